import type { Collection, Db } from 'mongodb';
import { ConflictError } from '../../domain/errors';
import type { App, AppContext, AppDirectory, ReportKey } from '../../ports/app-directory';
import {
  APPS_BY_NAME,
  APPS_BY_OWNER,
  COLLECTIONS,
  appFilter,
  appsNamedFilter,
  appsOfOwnerFilter,
  keyFilter,
  keyOfAppFilter,
  reportsEnabledUpdate,
  ownerUpdate,
  setReportKeyUpdate,
  type AppDocument,
  type ReportKeyDocument,
} from './mongo-builders';
import { guarded, isDuplicateKey } from './mongo-errors';

function toDocument(app: App): AppDocument {
  return { _id: app.id, owner: app.owner, name: app.name, reports: app.reports, createdAt: app.createdAt, updatedAt: app.updatedAt };
}

function fromDocument(d: AppDocument): App {
  return { id: d._id, owner: d.owner, name: d.name, reports: d.reports, createdAt: d.createdAt, updatedAt: d.updatedAt };
}

function fromKeyDocument(d: ReportKeyDocument): ReportKey {
  return { appId: d.app_id, key: d.key, createdAt: d.createdAt, updatedAt: d.updatedAt };
}

const violates = (error: unknown, field: string) => isDuplicateKey(error) && Object.keys(error.keyPattern ?? {}).includes(field);

export class MongoAppDirectory implements AppDirectory {
  private readonly apps: Collection<AppDocument>;
  private readonly keys: Collection<ReportKeyDocument>;
  /** Counts key lookups, so tests can see what the in-process cache saves. */
  keyLookups = 0;

  constructor(private readonly db: Db) {
    this.apps = db.collection<AppDocument>(COLLECTIONS.apps);
    this.keys = db.collection<ReportKeyDocument>(COLLECTIONS.reportKeys);
  }

  async createApp(app: App): Promise<App> {
    return guarded('createApp', async () => {
      try {
        await this.apps.insertOne(toDocument(app));
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        if (violates(error, '_id')) throw new ConflictError('an app with this id already exists', 'app_exists');
        throw new ConflictError('an app with this name already exists', 'app_exists');
      }
      return { ...app };
    });
  }

  async getApp(id: string): Promise<App | null> {
    return guarded('getApp', async () => {
      const doc = await this.apps.findOne(appFilter(id));
      return doc ? fromDocument(doc) : null;
    });
  }

  async listAppIds(): Promise<string[]> {
    return guarded('listAppIds', async () => (await this.apps.find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray()).map((d) => d._id));
  }

  async findAppsByName(name: string): Promise<App[]> {
    return guarded('findAppsByName', async () => (await this.apps.find(appsNamedFilter(name)).sort(APPS_BY_OWNER).toArray()).map(fromDocument));
  }

  async listApps(owner: string): Promise<App[]> {
    return guarded('listApps', async () => {
      const docs = await this.apps.find(appsOfOwnerFilter(owner)).sort(APPS_BY_NAME).toArray();
      return docs.map(fromDocument);
    });
  }

  async setReportsEnabled(id: string, enabled: boolean, at: Date): Promise<App | null> {
    return guarded('setReportsEnabled', async () => {
      const doc = await this.apps.findOneAndUpdate(appFilter(id), reportsEnabledUpdate(enabled, at), { returnDocument: 'after' });
      return doc ? fromDocument(doc) : null;
    });
  }

  async setOwner(id: string, owner: string, at: Date): Promise<App | null> {
    return guarded('setOwner', async () => {
      try {
        const doc = await this.apps.findOneAndUpdate(appFilter(id), ownerUpdate(owner, at), { returnDocument: 'after' });
        return doc ? fromDocument(doc) : null;
      } catch (error) {
        if (isDuplicateKey(error)) throw new ConflictError('an app with this name already exists', 'app_exists');
        throw error;
      }
    });
  }

  async deleteApp(id: string): Promise<boolean> {
    return guarded('deleteApp', async () => {
      const [result] = await Promise.all([this.apps.deleteOne(appFilter(id)), this.keys.deleteOne(keyOfAppFilter(id))]);
      return result.deletedCount > 0;
    });
  }

  async findByReportKey(key: string): Promise<AppContext | null> {
    return guarded('findByReportKey', async () => {
      this.keyLookups++;
      const record = await this.keys.findOne(keyFilter(key));
      const app = record ? await this.apps.findOne(appFilter(record.app_id)) : null;
      return app ? { appId: app._id, owner: app.owner, name: app.name, reports: app.reports } : null;
    });
  }

  async getReportKey(appId: string): Promise<ReportKey | null> {
    return guarded('getReportKey', async () => {
      const doc = await this.keys.findOne(keyOfAppFilter(appId));
      return doc ? fromKeyDocument(doc) : null;
    });
  }

  async setReportKey(appId: string, key: string, at: Date): Promise<ReportKey> {
    return guarded('setReportKey', async () => {
      if (!(await this.apps.findOne(appFilter(appId), { projection: { _id: 1 } }))) throw new ConflictError('no such app', 'app_missing');
      const write = () =>
        this.keys.findOneAndUpdate(keyOfAppFilter(appId), setReportKeyUpdate(appId, key, at), { upsert: true, returnDocument: 'after' });
      let doc: ReportKeyDocument | null;
      try {
        doc = await write().catch((error: unknown) => {
          // Two first keys for one app race on the app_id index; the second attempt replaces the winner's.
          if (violates(error, 'app_id')) return write();
          throw error;
        });
      } catch (error) {
        if (violates(error, 'key')) throw new ConflictError('report key already in use', 'key_exists');
        throw error;
      }
      // An upsert that returns the document "after" always has one.
      return fromKeyDocument(doc!);
    });
  }

  async ping(): Promise<void> {
    return guarded('ping', async () => {
      await this.db.command({ ping: 1 });
    });
  }

  async close(): Promise<void> {}
}
