DROP INDEX patches_list_idx;
