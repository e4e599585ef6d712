// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tdx/diag.h>

const char *tdx_errno_text(int err)
{
	const char *s = strerrordesc_np(err);

	return s ? s : strerror(err);
}

size_t tdx_utf8_char_length(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *tdx_utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;

	if (!s)
		return s;
	while (*p) {
		size_t n = tdx_utf8_char_length((const char *)p);

		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
	return s;
}

int tdx_diag_set(struct tdx_diag *diag, int err, const char *fmt, ...)
{
	va_list ap;

	if (!diag)
		return err;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	va_end(ap);
	/* file names and values are any bytes, and the cut may split a character */
	tdx_utf8_sanitize(diag->msg);
	return err;
}

void tdx_diag_prefix(struct tdx_diag *diag, const char *prefix)
{
	size_t plen, mlen;

	if (!diag || !prefix)
		return;
	/* A message that names the thing already keeps its one "prefix: ". */
	plen = strlen(prefix);
	if (strncmp(diag->msg, prefix, plen) == 0 && strncmp(diag->msg + plen, ": ", 2) == 0)
		return;
	/* Built by hand: the message is cut at TDX_DIAG_MAX on purpose. */
	plen = strnlen(prefix, TDX_DIAG_MAX - 3);
	mlen = strnlen(diag->msg, TDX_DIAG_MAX);
	if (plen + 2 + mlen >= TDX_DIAG_MAX)
		mlen = TDX_DIAG_MAX - 1 - plen - 2;
	memmove(diag->msg + plen + 2, diag->msg, mlen);
	memcpy(diag->msg, prefix, plen);
	memcpy(diag->msg + plen, ": ", 2);
	diag->msg[plen + 2 + mlen] = '\0';
	tdx_utf8_sanitize(diag->msg);
}
