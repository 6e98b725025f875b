/*
 * Plain main for the fuzz targets: feeds each file named on the command line
 * (directories are walked one level deep) to LLVMFuzzerTestOneInput, each in
 * an exactly sized heap buffer so that AddressSanitizer sees any overread.
 * Exits 0 when every input was run; a crash is the failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (4u << 20)

static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL)
		goto out;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    (unsigned long)len > REPLAY_MAX_INPUT || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	/* malloc(0) may return NULL; keep one byte so the pointer is valid. */
	if ((buf = malloc(len > 0 ? (size_t)len : 1)) == NULL)
		goto out;
	if (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "replay: cannot read %s\n", path);
	free(buf);
	if (f != NULL)
		fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, n = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: not found\n", argv[i]);
			bad++;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			char path[4096];
			if (d == NULL) {
				bad++;
				continue;
			}
			while ((de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
				bad += replay_file(path) != 0;
				n++;
			}
			closedir(d);
		} else {
			bad += replay_file(argv[i]) != 0;
			n++;
		}
	}
	printf("replay: %d inputs, %d unreadable\n", n, bad);
	return bad != 0 || n == 0;
}
