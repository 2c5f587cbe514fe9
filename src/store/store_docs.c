/* store_docs.c - reading the documents of weir's collections back.
 * The window document's field names are written in store_windows.c. */
#include <string.h>

#include "store/store_docs.h"

int
weir_window_doc_read(const bson_t *doc, const char **source,
    const char **type, int64_t *start_ms, struct weir_agg *a)
{
	bson_iter_t	it;
	int		have = 0;

	weir_agg_init(a);
	*source = *type = NULL;
	if (!bson_iter_init(&it, doc))
		return (-1);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (strcmp(k, "source") == 0 && BSON_ITER_HOLDS_UTF8(&it))
			*source = bson_iter_utf8(&it, NULL);
		else if (strcmp(k, "type") == 0 && BSON_ITER_HOLDS_UTF8(&it))
			*type = bson_iter_utf8(&it, NULL);
		else if (strcmp(k, "window_start") == 0 &&
		    BSON_ITER_HOLDS_DATE_TIME(&it)) {
			*start_ms = bson_iter_date_time(&it);
			have = 1;
		} else if (strcmp(k, "count") == 0 && BSON_ITER_HOLDS_NUMBER(&it))
			a->count = (uint64_t)bson_iter_as_int64(&it);
		else if (strcmp(k, "values") == 0 && BSON_ITER_HOLDS_NUMBER(&it))
			a->values = (uint64_t)bson_iter_as_int64(&it);
		else if (strcmp(k, "sum") == 0 && BSON_ITER_HOLDS_NUMBER(&it))
			a->sum = bson_iter_as_double(&it);
		else if (strcmp(k, "min") == 0 && BSON_ITER_HOLDS_NUMBER(&it))
			a->min = bson_iter_as_double(&it);
		else if (strcmp(k, "max") == 0 && BSON_ITER_HOLDS_NUMBER(&it))
			a->max = bson_iter_as_double(&it);
		else if (strcmp(k, "first_ts") == 0 &&
		    BSON_ITER_HOLDS_DATE_TIME(&it))
			a->first_ts_ms = bson_iter_date_time(&it);
		else if (strcmp(k, "last_ts") == 0 &&
		    BSON_ITER_HOLDS_DATE_TIME(&it))
			a->last_ts_ms = bson_iter_date_time(&it);
	}
	return (*source != NULL && *type != NULL && have ? 0 : -1);
}
