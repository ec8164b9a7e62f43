-- Boot from volume with a Cinder volume type: the BDM remembers the type it was asked for.
-- A nullable column added at the end of the table: InnoDB records it in the table's metadata
-- (ALGORITHM=INSTANT), no row is touched, the metadata lock lasts milliseconds.
ALTER TABLE block_device_mapping ADD COLUMN volume_type varchar(255) DEFAULT NULL;
