// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Replays every file of a corpus directory through LLVMFuzzerTestOneInput, so
 * the fuzz corpus runs as a regression test with gcc and without libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/image.h>
#include <tdx/macro.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	_cleanup_free_ char *path = NULL;
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "%s: cannot open corpus: %m\n", argv[1]);
		return 1;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ uint8_t *buf = NULL;
		size_t size = 0;

		if (de->d_name[0] == '.')
			continue;
		free(path);
		if (asprintf(&path, "%s/%s", argv[1], de->d_name) < 0)
			path = NULL;
		if (!path || tdx_file_read_all(path, 64u << 20, &buf, &size, NULL) < 0) {
			fprintf(stderr, "%s: unreadable\n", de->d_name);
			closedir(d);
			return 1;
		}
		LLVMFuzzerTestOneInput(buf, size);
		n++;
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "%s: empty corpus\n", argv[1]);
		return 1;
	}
	printf("%u inputs replayed\n", n);
	return 0;
}
