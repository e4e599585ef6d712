// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>

#include "parse-util.h"
#include <tdx/version.h>

int tdx_version_parse(const char *s, struct tdx_version *ret)
{
	uint32_t f[3];
	const char *p = s;

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < 3; i++) {
		if (i > 0 && *p++ != '.')
			return -EINVAL;
		if (parse_decimal_field(&p, UINT32_MAX, &f[i]) < 0)
			return -EINVAL;
	}
	if (!at_attribute_end(p))
		return -EINVAL;
	*ret = (struct tdx_version){.major = f[0], .minor = f[1], .update = f[2]};
	return 0;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

int tdx_version_compare(const struct tdx_version *a, const struct tdx_version *b)
{
	int r = cmp_u32(a->major, b->major);

	if (r == 0)
		r = cmp_u32(a->minor, b->minor);
	if (r == 0)
		r = cmp_u32(a->update, b->update);
	return r;
}

bool tdx_version_equal(const struct tdx_version *a, const struct tdx_version *b)
{
	return tdx_version_compare(a, b) == 0;
}

bool tdx_version_same_series(const struct tdx_version *a, const struct tdx_version *b)
{
	return a->major == b->major && a->minor == b->minor;
}

char *tdx_version_format(const struct tdx_version *v, char buf[static TDX_VERSION_STRING_MAX])
{
	snprintf(buf, TDX_VERSION_STRING_MAX, "%u.%u.%02u", v->major, v->minor, v->update);
	return buf;
}
