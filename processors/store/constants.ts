/** The file name of the embedded store inside a data directory. */
export const STORE_FILE = 'pfm.duckdb';
