// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <tdx/tdxd-conf.h>
#include <tdx/image.h>
#include <tdx/store.h>
#include <tdx/update.h>

static struct tdx_config *parse_ok(const char *text)
{
	struct tdx_config *c = NULL;
	struct tdx_diag diag = {};

	assert_int_equal(tdx_config_parse(text, strlen(text), &c, &diag), 0);
	assert_non_null(c);
	return c;
}

static void parse_fails(const char *text, const char *diag_part)
{
	struct tdx_config *c = (struct tdx_config *)0x1;
	struct tdx_diag diag = {};

	print_message("input: %s\n", text);
	assert_int_equal(tdx_config_parse(text, strlen(text), &c, &diag), -EINVAL);
	assert_ptr_equal(c, (struct tdx_config *)0x1); /* untouched on failure */
	assert_non_null(strstr(diag.msg, diag_part));
}

static void assert_hooks_profile_equal(const struct tdx_hooks_profile *a,
				       const struct tdx_hooks_profile *b)
{
	assert_int_equal(a->transient_unit, b->transient_unit);
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->group, b->group);
	assert_string_equal(a->protect_system, b->protect_system);
	assert_string_equal(a->protect_home, b->protect_home);
	assert_int_equal(a->private_tmp, b->private_tmp);
	assert_int_equal(a->no_new_privileges, b->no_new_privileges);
	assert_null(a->read_write_paths[0]);
	assert_null(b->read_write_paths[0]);
	assert_int_equal(a->n_ip_allow, b->n_ip_allow);
	assert_int_equal(a->n_ip_deny, b->n_ip_deny);
}

static void test_defaults(void **state)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = parse_ok("");

	assert_string_equal(c->store_path, TDX_STORE_DEFAULT_PATH);
	assert_int_equal(c->reserve, TDX_DEFAULT_RESERVE);
	assert_int_equal(c->auto_update, TDX_AUTO_UPDATE_OFF);
	assert_int_equal(c->inhibit_mode, TDX_INHIBIT_REFUSE);
	assert_int_equal(c->inhibit_max_hold_usec, 3600 * USEC_PER_SEC);
	assert_int_equal(c->inhibit_young_td_usec, 0);
	assert_false(c->allow_debug);
	assert_int_equal(c->trusted_keys.n, 1);
	assert_int_equal(c->trusted_keys.key_sha256[0][0], 0xc8); /* Intel's production key */
	assert_false(c->strict_compat);
	assert_false(c->reapply_at_boot);
	assert_string_equal(c->target, "");
	assert_string_equal(c->kernel_module, "");
	assert_int_equal(c->history_max, TDX_CONFIG_DEFAULT_HISTORY_MAX);
	assert_int_equal(c->upload_timeout_usec, TDX_FWUPLOAD_DEFAULT_TIMEOUT_USEC);
	assert_int_equal(c->n_warnings, 0);
}

/*
 * The shipped tdxd.conf says "Every setting shows its default": uncommented
 * (its /etc/ read as this build's sysconfdir), it must load to exactly the
 * compiled-in defaults. The state directory is /var/lib/tdxd whatever the
 * prefix (issue 14: a /usr/local build used /var/local/lib/tdxd).
 */
static void test_shipped_file_shows_defaults(void **state)
{
	_cleanup_(tdx_config_freep) struct tdx_config *d = parse_ok(""), *c = NULL;
	_cleanup_free_ uint8_t *data = NULL;
	_cleanup_free_ char *text = NULL;
	struct tdx_diag diag = {};
	size_t size, n = 0;

	assert_int_equal(
		tdx_file_read_all(TOP_SRCDIR "/systemd/tdxd.conf", 1 << 16, &data, &size, &diag),
		0);
	text = calloc(1, 2 * size + 1);
	assert_non_null(text);
	for (size_t i = 0; i < size; i++) {
		bool line_start = i == 0 || data[i - 1] == '\n';

		if (line_start && data[i] == '#' && i + 1 < size && data[i + 1] >= 'A' &&
		    data[i + 1] <= 'Z')
			continue; /* "#Key=" */
		if (data[i] == '=' && size - i > 5 && memcmp(data + i, "=/etc/", 6) == 0) {
			n += (size_t)sprintf(text + n, "=%s/", SYSCONFDIR);
			i += 5;
			continue;
		}
		text[n++] = (char)data[i];
	}
	assert_int_equal(tdx_config_parse(text, n, &c, &diag), 0);
	assert_int_equal(c->n_warnings, 0);
	assert_string_equal(d->state_dir, "/var/lib/tdxd");
	assert_string_equal(c->state_dir, d->state_dir);
	assert_string_equal(c->store_path, d->store_path);
	assert_string_equal(c->hook_dir, d->hook_dir);
	assert_string_equal(c->target, d->target);
	assert_string_equal(c->kernel_module, d->kernel_module);
	assert_int_equal(c->auto_update, d->auto_update);
	assert_int_equal(c->reserve, d->reserve);
	assert_int_equal(c->strict_compat, d->strict_compat);
	assert_int_equal(c->allow_debug, d->allow_debug);
	assert_int_equal(c->reapply_at_boot, d->reapply_at_boot);
	assert_int_equal(c->upload_timeout_usec, d->upload_timeout_usec);
	assert_int_equal(c->hook_timeout_usec, d->hook_timeout_usec);
	assert_int_equal(c->inhibit_mode, d->inhibit_mode);
	assert_int_equal(c->inhibit_wait_usec, d->inhibit_wait_usec);
	assert_int_equal(c->inhibit_max_hold_usec, d->inhibit_max_hold_usec);
	assert_int_equal(c->inhibit_young_td_usec, d->inhibit_young_td_usec);
	assert_int_equal(c->history_max, d->history_max);
	assert_int_equal(c->fleet.n_approved, d->fleet.n_approved);
	assert_string_equal(c->fleet.metrics_dir, d->fleet.metrics_dir);
	assert_string_equal(c->fleet.labels_dir, d->fleet.labels_dir);
	assert_string_equal(c->fleet.labels_namespace, d->fleet.labels_namespace);
	assert_string_equal(c->fleet.fleetlock_url, d->fleet.fleetlock_url);
	assert_string_equal(c->fleet.fleetlock_group, d->fleet.fleetlock_group);
	assert_string_equal(c->fleet.fleetlock_id, d->fleet.fleetlock_id);
	assert_hooks_profile_equal(&c->hooks, &d->hooks);
}

static void test_every_key(void **state)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c =
		parse_ok("# comment\n"
			 "; another\n"
			 "[Store]\n"
			 "Path = /srv/tdx-store\n"
			 "[Update]\n"
			 "AutoUpdate=apply\n"
			 "Target=1.5.10\n"
			 "Reserve=3\n"
			 "StrictCompat=yes\n"
			 "AllowDebug=true\n"
			 "TrustedSigningKeys=" TDX_INTEL_PRODUCTION_KEY_SHA256
			 " 00000000000000000000000000000000000000000000000000000000000000ff\n"
			 "ReapplyAtBoot=on\n"
			 "UploadTimeoutSec=120\r\n"
			 "[Hooks]\n"
			 "Directory=/etc/tdxd-hooks\n"
			 "TimeoutSec=5\n"
			 "[Inhibit]\n"
			 "Mode=wait\n"
			 "WaitTimeoutSec=60\n"
			 "MaxHoldSec=900\n"
			 "YoungTdSec=120\n"
			 "[Daemon]\n"
			 "StateDirectory=/var/lib/tdxd-test\n"
			 "KernelModule=tdx_host_sim\n"
			 "HistoryMax=10\n"
			 "[Metrics]\n"
			 "TextfileDirectory=/var/lib/prometheus/node-exporter\n"
			 "[Labels]\n"
			 "Directory=/etc/kubernetes/node-feature-discovery/features.d\n"
			 "Namespace=tdx.example.com\n"
			 "[FleetLock]\n"
			 "BaseURL=http://127.0.0.1:3333/\n"
			 "Group=tdx-canary.1\n"
			 "ID=host-07\n");

	assert_string_equal(c->store_path, "/srv/tdx-store");
	assert_int_equal(c->auto_update, TDX_AUTO_UPDATE_APPLY);
	assert_string_equal(c->target, "1.5.10");
	assert_int_equal(c->reserve, 3);
	assert_true(c->strict_compat);
	assert_true(c->allow_debug);
	assert_int_equal(c->trusted_keys.n, 2);
	assert_int_equal(c->trusted_keys.key_sha256[1][31], 0xff);
	assert_true(c->reapply_at_boot);
	assert_int_equal(c->upload_timeout_usec, 120 * USEC_PER_SEC);
	assert_string_equal(c->hook_dir, "/etc/tdxd-hooks");
	assert_int_equal(c->hook_timeout_usec, 5 * USEC_PER_SEC);
	assert_int_equal(c->inhibit_mode, TDX_INHIBIT_WAIT);
	assert_int_equal(c->inhibit_wait_usec, 60 * USEC_PER_SEC);
	assert_int_equal(c->inhibit_max_hold_usec, 900 * USEC_PER_SEC);
	assert_int_equal(c->inhibit_young_td_usec, 120 * USEC_PER_SEC);
	assert_string_equal(c->state_dir, "/var/lib/tdxd-test");
	assert_string_equal(c->kernel_module, "tdx_host_sim");
	assert_int_equal(c->history_max, 10);
	assert_string_equal(c->fleet.metrics_dir, "/var/lib/prometheus/node-exporter");
	assert_string_equal(c->fleet.labels_dir,
			    "/etc/kubernetes/node-feature-discovery/features.d");
	assert_string_equal(c->fleet.labels_namespace, "tdx.example.com");
	assert_string_equal(c->fleet.fleetlock_url, "http://127.0.0.1:3333/");
	assert_string_equal(c->fleet.fleetlock_group, "tdx-canary.1");
	assert_string_equal(c->fleet.fleetlock_id, "host-07");
	assert_int_equal(c->n_warnings, 0);
}

static void test_unknown_keys_warn(void **state)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c =
		parse_ok("[Update]\nFrobnicate=1\n[Future]\nX=2\n");

	assert_int_equal(c->n_warnings, 2);
	assert_non_null(strstr(c->warnings[0], "line 2"));
	assert_non_null(strstr(c->warnings[0], "Frobnicate"));
	assert_non_null(strstr(c->warnings[1], "line 4"));
	assert_null(c->warnings[2]);
}

static void test_bad_values(void **state)
{
	parse_fails("[Update]\nReserve=abc\n", "line 2: Reserve=abc");
	parse_fails("[Update]\nReserve=-1\n", "Reserve");
	parse_fails("[Update]\nReserve=1001\n", "Reserve");
	parse_fails("[Update]\nAllowDebug=maybe\n", "AllowDebug");
	parse_fails("[Update]\nTrustedSigningKeys=c821f41f\n", "TrustedSigningKeys");
	parse_fails("[Update]\nAutoUpdate=sometimes\n", "AutoUpdate");
	parse_fails("[Update]\nTarget=1.5\n", "Target");
	parse_fails("[Update]\nUploadTimeoutSec=0\n", "UploadTimeoutSec");
	parse_fails("[Hooks]\nDirectory=relative/dir\n", "Directory");
	parse_fails("[Hooks]\nDirectory=/etc/../tmp\n", "Directory");
	parse_fails("[Daemon]\nKernelModule=evil;rm\n", "KernelModule");
	parse_fails("[Daemon]\nHistoryMax=0\n", "HistoryMax");
	parse_fails("[Inhibit]\nMode=ignore\n", "Mode");
	parse_fails("Reserve=2\n", "outside of a section");
	parse_fails("[Update\n", "malformed section");
	parse_fails("[Update]\nApprovedImages=abcd\n", "ApprovedImages");
	parse_fails("[Metrics]\nTextfileDirectory=prom\n", "TextfileDirectory");
	parse_fails("[Labels]\nNamespace=Tdx.Example\n", "Namespace");
	parse_fails("[Labels]\nNamespace=node.kubernetes.io\n", "Namespace");
	parse_fails("[Labels]\nNamespace=a..b\n", "Namespace");
	parse_fails("[FleetLock]\nBaseURL=ftp://x/\n", "BaseURL");
	parse_fails("[FleetLock]\nBaseURL=http://a b/\n", "BaseURL");
	parse_fails("[FleetLock]\nGroup=tdx_module\n", "Group");
	parse_fails("[FleetLock]\nGroup=\n", "Group");
	parse_fails("[FleetLock]\nID=has\"quote\n", "ID");
	parse_fails("[Update]\njust words\n", "expected Key=Value");
}

/* [Hooks]: the transient unit's sandbox, as systemd would read each property. */
static void test_hooks_profile(void **state)
{
	_cleanup_(tdx_config_freep) struct tdx_config *d = parse_ok("");
	_cleanup_(tdx_config_freep) struct tdx_config *c =
		parse_ok("[Hooks]\nTransientUnit=yes\nUser=prometheus\nGroup=1000\n"
			 "ProtectSystem=strict\nProtectHome=tmpfs\nPrivateTmp=no\n"
			 "NoNewPrivileges=no\n"
			 "ReadWritePaths=/var/lib/prometheus/node-exporter -/etc/kubernetes\n"
			 "IPAddressAllow=localhost 10.1.2.0/24 fd00::/8\nIPAddressDeny=any\n");
	const struct tdx_hooks_profile *p = &c->hooks;

	assert_int_equal(d->hooks.transient_unit, TDX_HOOKS_TRANSIENT_AUTO);
	assert_string_equal(d->hooks.protect_system, "full");
	assert_string_equal(d->hooks.protect_home, "read-only");
	assert_true(d->hooks.private_tmp);
	assert_true(d->hooks.no_new_privileges);
	assert_string_equal(d->hooks.user, "");
	assert_int_equal(d->hooks.n_ip_deny, 0); /* hooks may use the network by default */

	assert_int_equal(p->transient_unit, TDX_HOOKS_TRANSIENT_YES);
	assert_string_equal(p->user, "prometheus");
	assert_string_equal(p->group, "1000");
	assert_string_equal(p->protect_system, "strict");
	assert_string_equal(p->protect_home, "tmpfs");
	assert_false(p->private_tmp);
	assert_false(p->no_new_privileges);
	assert_string_equal(p->read_write_paths[0], "/var/lib/prometheus/node-exporter");
	assert_string_equal(p->read_write_paths[1], "-/etc/kubernetes");
	assert_null(p->read_write_paths[2]);
	assert_int_equal(p->n_ip_allow, 4);
	assert_int_equal(p->ip_allow[0].family, AF_INET);
	assert_int_equal(p->ip_allow[0].addr[0], 127);
	assert_int_equal(p->ip_allow[0].prefixlen, 8);
	assert_int_equal(p->ip_allow[1].family, AF_INET6);
	assert_int_equal(p->ip_allow[1].addr[15], 1);
	assert_int_equal(p->ip_allow[1].prefixlen, 128);
	assert_int_equal(p->ip_allow[2].addr[2], 2);
	assert_int_equal(p->ip_allow[2].prefixlen, 24);
	assert_int_equal(p->ip_allow[3].family, AF_INET6);
	assert_int_equal(p->ip_allow[3].addr[0], 0xfd);
	assert_int_equal(p->ip_allow[3].prefixlen, 8);
	assert_int_equal(p->n_ip_deny, 2);
	assert_int_equal(p->ip_deny[0].prefixlen, 0);
	assert_int_equal(p->ip_deny[1].prefixlen, 0);
	assert_string_equal(tdx_hooks_transient_to_string(p->transient_unit), "yes");

	/* an empty value clears a list, as the shipped file's "#Key=" lines show */
	_cleanup_(tdx_config_freep) struct tdx_config *e =
		parse_ok("[Hooks]\nIPAddressDeny=any\nIPAddressDeny=\nReadWritePaths=/srv\n"
			 "ReadWritePaths=\n");
	assert_int_equal(e->hooks.n_ip_deny, 0);
	assert_null(e->hooks.read_write_paths[0]);

	parse_fails("[Hooks]\nTransientUnit=maybe\n", "TransientUnit");
	parse_fails("[Hooks]\nUser=root;rm\n", "User");
	parse_fails("[Hooks]\nUser=65535\n", "User");
	parse_fails("[Hooks]\nUser=-x\n", "User");
	parse_fails("[Hooks]\nGroup=a-very-long-group-name-beyond-31-chars\n", "Group");
	parse_fails("[Hooks]\nProtectSystem=paranoid\n", "ProtectSystem");
	parse_fails("[Hooks]\nProtectHome=strict\n", "ProtectHome");
	parse_fails("[Hooks]\nPrivateTmp=perhaps\n", "PrivateTmp");
	parse_fails("[Hooks]\nReadWritePaths=relative\n", "ReadWritePaths");
	parse_fails("[Hooks]\nReadWritePaths=/a/../etc\n", "ReadWritePaths");
	parse_fails("[Hooks]\nIPAddressAllow=10.0.0.0/33\n", "IPAddressAllow");
	parse_fails("[Hooks]\nIPAddressAllow=::1/129\n", "IPAddressAllow");
	parse_fails("[Hooks]\nIPAddressDeny=example.com\n", "IPAddressDeny");
	parse_fails("[Hooks]\nIPAddressDeny=10.0.0.1/\n", "IPAddressDeny");
}

static void test_nul_rejected(void **state)
{
	struct tdx_config *c = NULL;
	struct tdx_diag diag = {};

	assert_int_equal(tdx_config_parse("[Update]\0Reserve=2\n", 19, &c, &diag), -EINVAL);
	assert_null(c);
}

static void test_load_missing_and_file(void **state)
{
	char path[] = "/tmp/test-config-XXXXXX";
	struct tdx_config *c = NULL;
	struct tdx_diag diag = {};
	int fd = mkstemp(path);
	const char *text = "[Update]\nReserve=4\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(tdx_config_load(path, &c, &diag), 0);
	assert_int_equal(c->reserve, 4);
	c = tdx_config_free(c);
	unlink(path);
	assert_int_equal(tdx_config_load(path, &c, &diag), 0);
	assert_int_equal(c->reserve, TDX_DEFAULT_RESERVE);
	tdx_config_free(c);
}

#define DIGEST_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677"
#define DIGEST_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100ffeeddccbbaa9988"

static void test_approved_images(void **state)
{
	_cleanup_(tdx_config_freep) struct tdx_config *all = parse_ok(""),
						      *c = parse_ok(
							      "[Update]\nApprovedImages=" DIGEST_A
							      "0123456789abcdef, " DIGEST_B
							      "0123456789ABCDEF\n");
	static const uint8_t tail[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	uint8_t a[48], other[48] = {};

	for (size_t i = 0; i < 40; i++)
		a[i] = (uint8_t)((i % 16) * 0x11);
	memcpy(a + 40, tail, sizeof(tail));
	assert_int_equal(c->fleet.n_approved, 2);
	assert_true(tdx_config_image_approved(c, a));
	assert_false(tdx_config_image_approved(c, other));
	assert_int_equal(c->fleet.approved[1][47], 0xef);
	/* No list: every image is approved (fwupd's ApprovedFirmware= unset). */
	assert_true(tdx_config_image_approved(all, other));
}

struct dropin_tree {
	char root[64];
	char dirs[3][96];
};

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void tree_make(struct dropin_tree *t)
{
	char sub[160];

	strcpy(t->root, "/tmp/test-config-dropin-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	for (size_t i = 0; i < 3; i++) {
		snprintf(t->dirs[i], sizeof(t->dirs[i]), "%s/d%zu", t->root, i);
		assert_int_equal(mkdir(t->dirs[i], 0755), 0);
		snprintf(sub, sizeof(sub), "%s/" TDX_CONFIG_DROPIN_SUBDIR, t->dirs[i]);
		assert_int_equal(mkdir(sub, 0755), 0);
	}
}

static void tree_put(const struct dropin_tree *t, size_t dir, const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/" TDX_CONFIG_DROPIN_SUBDIR "/%s", t->dirs[dir], name);
	if (text)
		write_text(path, text);
	else
		assert_int_equal(symlink("/dev/null", path), 0);
}

static int tree_load(const struct dropin_tree *t, struct tdx_config **ret, struct tdx_diag *diag)
{
	const char *dirs[] = {t->dirs[0], t->dirs[1], t->dirs[2], NULL};
	char main_path[128];

	snprintf(main_path, sizeof(main_path), "%s/tdxd.conf", t->root);
	return tdx_config_load_dropins(main_path, dirs, ret, diag);
}

static void tree_remove(const struct dropin_tree *t)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
}

/* Lexical order across directories; a later directory replaces a name; /dev/null masks. */
static void test_dropins_merge(void **state)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = NULL;
	struct tdx_diag diag = {};
	struct dropin_tree t;
	char main_path[128];

	tree_make(&t);
	snprintf(main_path, sizeof(main_path), "%s/tdxd.conf", t.root);
	write_text(main_path, "[Update]\nReserve=2\n[Hooks]\nTimeoutSec=7\n");
	tree_put(&t, 0, "10-vendor.conf", "[Update]\nReserve=5\n[FleetLock]\nGroup=vendor\n");
	tree_put(&t, 0, "20-metrics.conf", "[Metrics]\nTextfileDirectory=/srv/prom\n");
	tree_put(&t, 0, "30-masked.conf", "[Hooks]\nTimeoutSec=99\n");
	tree_put(&t, 1, "10-vendor.conf", "[Update]\nReserve=3\n"); /* replaces d0's */
	tree_put(&t, 1, "50-fleet.conf", "[FleetLock]\nBaseURL=http://127.0.0.1:1/\n");
	tree_put(&t, 2, "05-early.conf", "[FleetLock]\nBaseURL=http://127.0.0.1:9/\n");
	tree_put(&t, 2, "30-masked.conf", NULL);
	tree_put(&t, 2, "README", "[Update]\nReserve=9\n"); /* not *.conf */
	tree_put(&t, 2, ".hidden.conf", "[Update]\nReserve=9\n");
	assert_int_equal(tree_load(&t, &c, &diag), 0);
	assert_int_equal(c->reserve, 3);			     /* d1's 10-vendor */
	assert_string_equal(c->fleet.fleetlock_group, "tdx-module"); /* d0's copy replaced */
	assert_string_equal(c->fleet.metrics_dir, "/srv/prom");
	assert_int_equal(c->hook_timeout_usec, 7 * USEC_PER_SEC);	    /* 30-masked masked */
	assert_string_equal(c->fleet.fleetlock_url, "http://127.0.0.1:1/"); /* 50 after 05 */
	assert_int_equal(c->n_sources, 5);
	assert_string_equal(c->sources[0], main_path);
	assert_non_null(strstr(c->sources[1], "d2/tdxd.conf.d/05-early.conf"));
	assert_non_null(strstr(c->sources[2], "d1/tdxd.conf.d/10-vendor.conf"));
	assert_non_null(strstr(c->sources[4], "d1/tdxd.conf.d/50-fleet.conf"));
	tree_remove(&t);
}

/*
 * The files read are listed whether or not the main file is there: without
 * it, only the drop-ins (the loader says whether it found the main file; no
 * second look at the path).
 */
static void test_dropins_without_main_file(void **state)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = NULL;
	struct tdx_diag diag = {};
	struct dropin_tree t;

	tree_make(&t);
	tree_put(&t, 1, "10-vendor.conf", "[Update]\nReserve=3\n");
	assert_int_equal(tree_load(&t, &c, &diag), 0);
	assert_int_equal(c->reserve, 3);
	assert_int_equal(c->n_sources, 1);
	assert_non_null(strstr(c->sources[0], "d1/tdxd.conf.d/10-vendor.conf"));
	assert_null(c->sources[1]);
	tree_remove(&t);
}

/* A bad value in a drop-in rejects the whole configuration and names the file. */
static void test_dropins_bad_value_names_file(void **state)
{
	struct tdx_config *c = (struct tdx_config *)0x1;
	_cleanup_(tdx_config_freep) struct tdx_config *w = NULL;
	struct tdx_diag diag = {};
	struct dropin_tree t;

	tree_make(&t);
	tree_put(&t, 1, "50-fleet.conf", "[FleetLock]\n\nGroup=no spaces\n");
	assert_int_equal(tree_load(&t, &c, &diag), -EINVAL);
	assert_ptr_equal(c, (struct tdx_config *)0x1);
	assert_non_null(strstr(diag.msg, "d1/tdxd.conf.d/50-fleet.conf"));
	assert_non_null(strstr(diag.msg, "line 3: Group="));
	tree_put(&t, 1, "50-fleet.conf", "[FleetLock]\nColour=blue\n");
	assert_int_equal(tree_load(&t, &w, &diag), 0);
	assert_int_equal(w->n_warnings, 1);
	assert_non_null(strstr(w->warnings[0], "50-fleet.conf: line 2: unknown key Colour"));
	tree_remove(&t);
}

static void test_dropin_dirs_for(void **state)
{
	char **v = NULL;

	assert_int_equal(tdx_config_dropin_dirs_for(TDX_CONFIG_DEFAULT_PATH, &v), 0);
	assert_string_equal(v[0], "/usr/lib/tdxd");
	assert_string_equal(v[1], SYSCONFDIR "/tdxd");
	assert_string_equal(v[2], "/run/tdxd");
	assert_null(v[3]);
	v = tdx_strv_free(v);
	assert_int_equal(tdx_config_dropin_dirs_for("/srv/test/tdxd.conf", &v), 0);
	assert_string_equal(v[0], "/srv/test");
	assert_null(v[1]);
	tdx_strv_free(v);
}

static void test_enum_names(void **state)
{
	assert_string_equal(tdx_auto_update_to_string(TDX_AUTO_UPDATE_APPLY), "apply");
	assert_string_equal(tdx_inhibit_mode_to_string(TDX_INHIBIT_WAIT), "wait");
	assert_null(tdx_inhibit_mode_to_string(7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_file_shows_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_unknown_keys_warn),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_nul_rejected),
		cmocka_unit_test(test_hooks_profile),
		cmocka_unit_test(test_load_missing_and_file),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_approved_images),
		cmocka_unit_test(test_dropins_merge),
		cmocka_unit_test(test_dropins_without_main_file),
		cmocka_unit_test(test_dropins_bad_value_names_file),
		cmocka_unit_test(test_dropin_dirs_for),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
