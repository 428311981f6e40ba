/** What the composition opened, closed in reverse order; a failing closer doesn't stop the rest. */
export class Closers {
  private readonly list: Array<() => Promise<void>> = [];

  add(...closers: Array<() => Promise<void>>): void {
    this.list.push(...closers);
  }

  async closeAll(): Promise<void> {
    for (const close of [...this.list].reverse()) await close().catch(() => undefined);
  }
}
