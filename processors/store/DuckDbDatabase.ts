import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DUCKDB_SCHEMA } from './duckDbSchema.js';

/** Values a DuckDB statement binds by name (`$name`). */
export type QueryParams = Record<string, string | number | boolean>;

/**
 * One DuckDB file and the one connection every adapter of the store shares. It creates the tables on open,
 * runs one statement sequence at a time (batches from several shards arrive concurrently, and a staged write
 * must not see another write's rows), and flushes the write-ahead log on close.
 */
export class DuckDbDatabase {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly readOnly: boolean,
  ) {}

  /** Opens (and on first use creates) the file; `:memory:` gives a throwaway database. */
  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<DuckDbDatabase> {
    const readOnly = options.readOnly ?? false;
    if (path !== ':memory:' && !readOnly) mkdirSync(dirname(path), { recursive: true });
    const instance = await DuckDBInstance.create(path, readOnly ? { access_mode: 'READ_ONLY' } : {});
    const connection = await instance.connect();
    const database = new DuckDbDatabase(instance, connection, readOnly);
    if (!readOnly) await database.migrate();
    return database;
  }

  private async migrate(): Promise<void> {
    for (const statement of DUCKDB_SCHEMA) await this.connection.run(statement);
  }

  /** Runs a read query and returns its rows as plain JSON-friendly objects. */
  query(sql: string, params?: QueryParams): Promise<Record<string, unknown>[]> {
    return this.serialize(async () => {
      const reader = await this.connection.runAndReadAll(sql, params);
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    });
  }

  /**
   * Appends rows to the temporary table `stage` with `fill`, runs `insertSql` (which copies the rows whose
   * key is new into the stored table), then empties the stage: one step no other statement interleaves with.
   */
  stageAndInsert(stage: string, fill: (appender: DuckDBAppender) => void, insertSql: string): Promise<void> {
    return this.serialize(async () => {
      const appender = await this.connection.createAppender(stage, 'main', 'temp');
      fill(appender);
      appender.closeSync();
      await this.connection.run(insertSql);
      await this.connection.run(`DELETE FROM ${stage}`);
    });
  }

  /** Waits for the work under way, flushes the write-ahead log into the file and closes it. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (!this.readOnly) await this.connection.run('CHECKPOINT');
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
