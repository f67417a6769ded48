export interface Config {
  dbaas?: {
    backups?: {
      /**
       * With `type: s3` (this module): an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, GCS's
       * S3 API). The keys below belong to that type only.
       */
      store?: {
        /** The bucket; it must exist (the Manager does not create it). */
        bucket?: string;
        /** A key prefix inside the bucket, e.g. dbaas/prod. Default: none. */
        prefix?: string;
        /** The bucket's region. Default: us-east-1 (GCS: auto). */
        region?: string;
        /** The endpoint of anything but AWS S3, e.g. http://minio:9000, https://storage.googleapis.com. */
        endpoint?: string;
        /** Bucket in the URL path rather than the host name (MinIO, Ceph RGW). Default: false. */
        forcePathStyle?: boolean;
        /** Static keys (GCS: an HMAC key); without them, the default AWS credential chain. */
        credentials?: {
          accessKeyId: string;
          /** @visibility secret */
          secretAccessKey: string;
          /** @visibility secret */
          sessionToken?: string;
        };
        /** MiB per part of a multipart upload, 5 to 5120. Default: 16. */
        partSizeMiB?: number;
      };
    };
  };
}
