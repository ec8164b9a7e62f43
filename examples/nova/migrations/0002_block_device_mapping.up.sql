-- The disks of every instance: its root disk (from an image, or a volume it boots from), swap
-- and ephemeral disks, and attached Cinder volumes with the connection info the hypervisor uses
-- to reach them (an iSCSI target, an RBD pool, ...), as a JSON string.
CREATE TABLE block_device_mapping (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  deleted_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  device_name varchar(255) DEFAULT NULL,
  delete_on_termination tinyint(1) DEFAULT NULL,
  snapshot_id varchar(36) DEFAULT NULL,
  volume_id varchar(36) DEFAULT NULL,
  volume_size int(11) DEFAULT NULL,
  no_device tinyint(1) DEFAULT NULL,
  connection_info text DEFAULT NULL,
  instance_uuid varchar(36) DEFAULT NULL,
  deleted int(11) DEFAULT 0,
  source_type varchar(255) DEFAULT NULL,
  destination_type varchar(255) DEFAULT NULL,
  guest_format varchar(255) DEFAULT NULL,
  device_type varchar(255) DEFAULT NULL,
  disk_bus varchar(255) DEFAULT NULL,
  boot_index int(11) DEFAULT NULL,
  image_id varchar(36) DEFAULT NULL,
  PRIMARY KEY (id),
  KEY snapshot_id (snapshot_id),
  KEY volume_id (volume_id),
  KEY block_device_mapping_instance_uuid_idx (instance_uuid),
  KEY block_device_mapping_instance_uuid_device_name_idx (instance_uuid, device_name),
  KEY block_device_mapping_instance_uuid_volume_id_idx (instance_uuid, volume_id),
  CONSTRAINT block_device_mapping_instance_uuid_fkey FOREIGN KEY (instance_uuid) REFERENCES instances (uuid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3;
