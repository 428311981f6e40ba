export interface App {
  id: string;
  owner: string;
  name: string;
  reports: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What ingestion needs to know about the app a report key belongs to. */
export interface AppContext {
  appId: string;
  owner: string;
  name: string;
  reports: boolean;
}

export interface ReportKey {
  appId: string;
  key: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface AppDirectory {
  /** Throws ConflictError when the owner already has an app of that name. */
  createApp(app: App): Promise<App>;
  getApp(id: string): Promise<App | null>;
  /** Sorted by name. */
  listApps(owner: string): Promise<App[]>;
  /** Every owner's app of that name (a name is unique per owner only), sorted by owner: the CLI takes names. */
  findAppsByName(name: string): Promise<App[]>;
  /** Every app's id, of every owner: background work (rollout evaluations) walks them. */
  listAppIds(): Promise<string[]>;
  setReportsEnabled(id: string, enabled: boolean, at: Date): Promise<App | null>;
  /** Gives the app to another owner; ConflictError app_exists when that owner has an app of its name. */
  setOwner(id: string, owner: string, at: Date): Promise<App | null>;
  /** Removes the app and its report key; true when it existed. */
  deleteApp(id: string): Promise<boolean>;

  findByReportKey(key: string): Promise<AppContext | null>;
  getReportKey(appId: string): Promise<ReportKey | null>;
  /** Creates or replaces the app's one key; the old value stops resolving at once. */
  setReportKey(appId: string, key: string, at: Date): Promise<ReportKey>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
