DROP TABLE events;
DROP TABLE patch_tags;
DROP TABLE tags;
DROP TABLE bundle_patches;
DROP TABLE bundles;
