-- Connection info of multipath iSCSI and multi-monitor RBD volumes (the host lists, CHAP
-- credentials and device paths of every path) can outgrow TEXT's 64 KB: widen the column to
-- MEDIUMTEXT (16 MB). One line, and it looks like a catalog change.
--
-- HAZARD: InnoDB cannot change a column's type in place. MariaDB copies the whole table
-- (ALGORITHM=COPY, LOCK=SHARED): reads go on, but every write to block_device_mapping (boot,
-- attach, detach, delete of any instance) waits until every row and every index has been copied,
-- and replicas then replay the copy.
ALTER TABLE block_device_mapping MODIFY connection_info MEDIUMTEXT;
