// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The properties of org.tdxctl.tdx1.Manager that the refresh computes: one
 * list (MANAGER_PROPERTIES) gives each its name, D-Bus type and the typed
 * field of struct tdxd_props it is read from. The vtable and the
 * PropertiesChanged comparison are both expanded from it, so a property
 * cannot be served and forgotten by the comparison or the other way round.
 * sd-bus reads each field by its type (no getter builds a variant from a
 * string); nothing here reads sysfs: the fields are the refresh's cache.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bus-names.h"
#include "tdxd.h"

/* X(name, D-Bus type, struct tdxd_props field); the field's C type is checked below. */
#define MANAGER_PROPERTIES(X)                              \
	X("ModuleVersion", s, module_version)              \
	X("ModuleState", s, module_state)                  \
	X("SeamldrVersion", s, seamldr_version)            \
	X("RemainingUpdates", i, remaining_updates)        \
	X("RuntimeUpdate", b, runtime_update)              \
	X("RuntimeUpdateReason", s, runtime_update_reason) \
	X("CpuSignature", u, cpu_signature)                \
	X("AbiLayout", s, abi_layout)                      \
	X("ImageFormat", s, image_format)                  \
	X("FwUploadStatus", s, fw_status)                  \
	X("TcbVersion", s, tcb_version)                    \
	X("SeamSvn", q, seam_svn)                          \
	X("Mrseam", s, mrseam)                             \
	X("BuildDate", s, build_date)                      \
	X("TcbSource", s, tcb_source)                      \
	X("BestUpdate", s, best_update)                    \
	X("BestUpdateReason", s, best_update_reason)       \
	X("UpdateState", s, update_state)                  \
	X("UpdateProgress", u, update_progress)            \
	X("LastResult", s, last_result)                    \
	X("StorePath", s, store_path)                      \
	X("AutoUpdate", s, auto_update)

/* Each D-Bus type's signature, the C type sd-bus reads it from, and its kind for the comparison. */
#define PROP_SIG_s   "s"
#define PROP_SIG_i   "i"
#define PROP_SIG_u   "u"
#define PROP_SIG_b   "b"
#define PROP_SIG_q   "q"
#define PROP_CTYPE_s char *
#define PROP_CTYPE_i int32_t
#define PROP_CTYPE_u uint32_t
#define PROP_CTYPE_b int
#define PROP_CTYPE_q uint16_t
#define PROP_KIND_s  's'
#define PROP_KIND_i  'w' /* 32 bits */
#define PROP_KIND_u  'w'
#define PROP_KIND_b  'w'
#define PROP_KIND_q  'q'

#define PROPERTY_CHECK(name, type, field)                                                    \
	_Static_assert(__builtin_types_compatible_p(typeof(((struct tdxd_props *)0)->field), \
						    PROP_CTYPE_##type),                      \
		       name " is not kept in the C type of its D-Bus type");
MANAGER_PROPERTIES(PROPERTY_CHECK)

#define PROPERTY_VTABLE(name, type, field)                                                  \
	SD_BUS_PROPERTY(name, PROP_SIG_##type, NULL, offsetof(struct manager, props.field), \
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

static const sd_bus_vtable properties_vtable[] = {
	SD_BUS_VTABLE_START(0),
	MANAGER_PROPERTIES(PROPERTY_VTABLE) SD_BUS_VTABLE_END,
};

static const struct property_field {
	const char *name;
	char type;
	size_t offset;
} property_fields[] = {
#define PROPERTY_FIELD(name, type, field) \
	{name, PROP_KIND_##type, offsetof(struct tdxd_props, field)},
	MANAGER_PROPERTIES(PROPERTY_FIELD)
#undef PROPERTY_FIELD
};

static bool property_same(const struct property_field *f, const struct tdxd_props *a,
			  const struct tdxd_props *b)
{
	const char *pa = (const char *)a + f->offset, *pb = (const char *)b + f->offset;

	switch (f->type) {
	case 's': {
		const char *sa = *(char *const *)pa, *sb = *(char *const *)pb;

		return strcmp(sa ?: "", sb ?: "") == 0;
	}
	case 'q':
		return *(const uint16_t *)pa == *(const uint16_t *)pb;
	default: /* 'w': i, u and b are 32 bits */
		return *(const uint32_t *)pa == *(const uint32_t *)pb;
	}
}

size_t props_changed(const struct tdxd_props *old, const struct tdxd_props *now, const char **ret,
		     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(property_fields) && n < max; i++)
		if (!property_same(&property_fields[i], old, now))
			ret[n++] = property_fields[i].name;
	return n;
}

void props_emit(struct manager *m, const struct tdxd_props *old)
{
	const char *names[ELEMENTSOF(property_fields) + 1];
	size_t n = props_changed(old, &m->props, names, ELEMENTSOF(property_fields));

	if (n == 0 || !m->bus)
		return;
	names[n] = NULL;
	(void)sd_bus_emit_properties_changed_strv(m->bus, TDX_BUS_PATH, TDX_BUS_IFACE,
						  (char **)names);
}

int manager_properties_register(struct manager *m)
{
	return sd_bus_add_object_vtable(m->bus, NULL, TDX_BUS_PATH, TDX_BUS_IFACE,
					properties_vtable, m);
}
