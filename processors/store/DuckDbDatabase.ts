import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { PfmError } from '../../kernel/errors.js';
import { DUCKDB_OUTDATED_PREDICTIONS_SQL, DUCKDB_SCHEMA } from './duckDbSchema.js';

/** Values a DuckDB statement binds by name (`$name`). */
export type QueryParams = Record<string, string | number | boolean>;

/** What a write may do inside {@link DuckDbDatabase.exclusive}: no other statement runs in between. */
export interface DuckDbSession {
  /** Appends rows to a temporary table with `fill`. */
  append(table: string, fill: (appender: DuckDBAppender) => void): Promise<void>;
  query(sql: string, params?: QueryParams): Promise<Record<string, unknown>[]>;
  run(sql: string): Promise<void>;
}

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
    if (!readOnly) await database.migrate(path);
    return database;
  }

  private async migrate(path: string): Promise<void> {
    const outdated = await this.connection.runAndReadAll(DUCKDB_OUTDATED_PREDICTIONS_SQL);
    if (outdated.currentRowCount > 0) {
      this.connection.closeSync();
      this.instance.closeSync();
      throw new PfmError(
        'CONFIG_INVALID',
        `${path} was written by an older pfm (one prediction per model version, no reading digest); ` +
          'move it aside or choose another data directory, and replay the stream into the new store',
      );
    }
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
    return this.exclusive(async (session) => {
      await session.append(stage, fill);
      await session.run(insertSql);
      await session.run(`DELETE FROM ${stage}`);
    });
  }

  /** Runs `work` with the connection to itself: reads and writes no other statement interleaves with. */
  exclusive<T>(work: (session: DuckDbSession) => Promise<T>): Promise<T> {
    const connection = this.connection;
    const session: DuckDbSession = {
      async append(table, fill) {
        const appender = await connection.createAppender(table, 'main', 'temp');
        fill(appender);
        appender.closeSync();
      },
      async query(sql, params) {
        const reader = await connection.runAndReadAll(sql, params);
        return reader.getRowObjectsJson() as Record<string, unknown>[];
      },
      async run(sql) {
        await connection.run(sql);
      },
    };
    return this.serialize(() => work(session));
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
