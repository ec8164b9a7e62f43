DROP TABLE patch_relation_members;
DROP TABLE patch_relations;
