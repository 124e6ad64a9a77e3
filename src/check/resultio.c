/* resultio: reading result files. */
#include "resultio.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static cJSON *load_one(const char *path)
{
	size_t len;
	char *text = read_file(path, &len, 512u << 20);
	if (!text) {
		fprintf(stderr, "ktstr: cannot read %s: %s\n", path, read_file_error(errno));
		return NULL;
	}
	cJSON *j = cJSON_ParseWithLength(text, len);
	free(text);
	if (!j || !cJSON_GetObjectItemCaseSensitive(j, "verdict")) {
		fprintf(stderr, "ktstr: %s is not a ktstr result file\n", path);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int results_load(const char *path, cJSON ***out)
{
	struct stat st;
	*out = NULL;
	if (stat(path, &st)) {
		fprintf(stderr, "ktstr: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		cJSON *j = load_one(path);
		if (!j)
			return -1;
		*out = xmalloc(sizeof(**out));
		(*out)[0] = j;
		return 1;
	}
	DIR *d = opendir(path);
	char *names[4096];
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && n < 4096) {
		size_t l = strlen(e->d_name);
		if (l > 5 && !strcmp(e->d_name + l - 5, ".json"))
			names[n++] = xasprintf("%s/%s", path, e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(*names), cmp_str);
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	int k = 0;
	for (int i = 0; i < n; i++) {
		cJSON *j = load_one(names[i]);
		if (j)
			(*out)[k++] = j;
		free(names[i]);
	}
	return k;
}

void results_free(cJSON **r, int n)
{
	for (int i = 0; i < n; i++)
		cJSON_Delete(r[i]);
	free(r);
}
