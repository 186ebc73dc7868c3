/** An API token (authorization) as InfluxDB 2.x lists it. */
export interface InfluxAuthorization {
  id: string;
  description: string;
  status: 'active' | 'inactive';
}

/**
 * Port: the parts of the InfluxDB v2 API the token provisioning uses, signed in as the instance's admin user
 * (InfluxDBAdminApi is its adapter).
 */
export interface InfluxAdmin {
  /** The organization's id; throws when there is none of that name. */
  organizationId(name: string): Promise<string>;
  /** The bucket's id, or undefined when the organization has no bucket of that name. */
  findBucket(orgId: string, name: string): Promise<string | undefined>;
  /** Creates a bucket that keeps its data forever (retention is the instance's business); returns its id. */
  createBucket(orgId: string, name: string): Promise<string>;
  /**
   * The database's explicit DBRP mapping (any retention policy), or undefined. A virtual mapping (InfluxDB 2.x
   * lists one for each bucket without an explicit one) does not count: it disappears when the bucket is renamed.
   */
  findDbrp(orgId: string, database: string): Promise<{ id: string; bucketId: string } | undefined>;
  /** Maps database/`autogen` (the default retention policy) to the bucket for the 1.x /write and /query APIs. */
  createDbrp(orgId: string, bucketId: string, database: string): Promise<void>;
  /** A token that may read and write this one bucket. */
  createBucketToken(
    orgId: string,
    bucketId: string,
    description: string,
  ): Promise<{ id: string; token: string }>;
  listAuthorizations(orgId: string): Promise<InfluxAuthorization[]>;
  deleteAuthorization(id: string): Promise<void>;
  /** Whether the token may read the bucket (a request made with the token itself). */
  tokenCanRead(token: string, bucketId: string): Promise<boolean>;
}

/** Port: the token secret (Secrets Manager) with its version stages. */
export interface TokenSecret {
  /** The value of a stage (AWSCURRENT by default) or of a version; undefined when there is no such version. */
  read(options?: { stage?: string; versionId?: string }): Promise<string | undefined>;
  /** Stores a new version under the given stages, idempotently for the same version id. */
  put(value: string, options: { versionId: string; stages: string[] }): Promise<void>;
  /** The version ids that carry each stage. */
  stages(): Promise<Record<string, string[]>>;
  /** Moves AWSCURRENT to the version (rotation's last step). */
  makeCurrent(versionId: string, fromVersionId: string | undefined): Promise<void>;
}

/** Where the bucket and the functions' token live. */
export interface TokenSettings {
  organization: string;
  bucket: string;
  /** The 1.x database name the functions use (INFLUXDB_DATABASE), mapped to the bucket. */
  database: string;
  /** Names this secret's tokens in InfluxDB, so that the ones it replaced can be revoked and no other. */
  tokenLabel: string;
}
