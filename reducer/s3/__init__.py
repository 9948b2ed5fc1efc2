"""The S3-compatible write-back face: PUT /s3/{bucket}/{key} compresses the body into the bucket."""
