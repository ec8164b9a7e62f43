DROP INDEX patches_name_search_idx;
