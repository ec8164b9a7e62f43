DROP TABLE block_device_mapping;
