// SPDX-License-Identifier: LGPL-2.1-or-later
/* Held-key files (inhibit-keys.h): any input parses into bounded strings or fails cleanly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/inhibit-keys.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdx_inhibit_key k = {0};
	char boot_id[TDX_BOOT_ID_MAX];
	char *text;
	int r;

	if (size > 4096)
		return 0; /* key_read() caps files there */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	r = tdx_inhibit_key_parse(text, &k, boot_id);
	/* every string stays terminated inside its buffer, whatever the verdict */
	if (!memchr(k.who, '\0', sizeof(k.who)) || !memchr(k.why, '\0', sizeof(k.why)) ||
	    !memchr(boot_id, '\0', sizeof(boot_id)))
		abort();
	if (r == 0 && (!k.who[0] || !boot_id[0]))
		abort();
	free(text);
	return 0;
}
