// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fleet files: the Prometheus textfile and the NFD feature file against
 * golden copies (tests/data/fleet/), label keys and values against
 * Kubernetes' rules, the exposition format's escapes, the bounded FleetLock
 * error kinds, and the atomic replace (an inotify watcher on the directory
 * never sees the final name with partial content).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <tdx/fleet.h>
#include <tdx/image.h>

#define GOLDEN_DIR TOP_SRCDIR "/tests/data/fleet"
#define MRSEAM                                                                                   \
	"0c6681b23e404fdb6f125bed33e127fbf98fbb6998bfb372bd85066964111afaf8fe34bcc599f093adc66a" \
	"15beda4801"
/* 2026-11-30T08:00:00Z */
#define EXPIRY_USEC (1796025600ull * 1000000)

static struct tdx_fleetlock_counters counters;

static struct tdx_fleet_facts sample_facts(void)
{
	struct tdx_fleet_facts f = {
		.module_version = "1.5.06",
		.seamldr_version = "1.5.02",
		.mrseam = MRSEAM,
		.remaining_updates = 10,
		.runtime_update = true,
		.update_available = true,
		.inhibitors = 2,
		.last_known = true,
		.last_time_usec = 1796025600ull * 1000000 + 250000,
		.last_success = true,
		.fleetlock = &counters,
	};

	f.updates[TDX_METRICS_RESULT_SUCCESS] = 3;
	f.updates[TDX_METRICS_RESULT_FATAL] = 1;
	return f;
}

static char *read_golden(const char *name)
{
	char path[PATH_MAX];
	uint8_t *data = NULL;
	size_t size = 0;
	char *s;

	snprintf(path, sizeof(path), GOLDEN_DIR "/%s", name);
	assert_int_equal(tdx_file_read_all(path, 1 << 20, &data, &size, NULL), 0);
	s = strndup((const char *)data, size);
	free(data);
	return s;
}

/* TDX_UPDATE_GOLDEN=1 rewrites the golden file (review the diff before committing). */
static void expect_golden(const char *name, const char *got)
{
	_cleanup_free_ char *want = NULL;
	char path[PATH_MAX];

	if (getenv("TDX_UPDATE_GOLDEN")) {
		snprintf(path, sizeof(path), GOLDEN_DIR "/%s", name);
		assert_int_equal(tdx_file_write_atomic(path, got, strlen(got), 0644), 0);
	}
	want = read_golden(name);

	if (strcmp(want, got) != 0) {
		print_message("--- golden %s\n%s--- got\n%s", name, want, got);
		fail();
	}
}

static void test_metrics_golden(void **state)
{
	struct tdx_fleet_facts f = sample_facts();
	_cleanup_free_ char *text = NULL;

	counters = (struct tdx_fleetlock_counters){};
	tdx_fleetlock_count(&counters, TDX_FLEETLOCK_PRE_REBOOT, "failed_lock");
	tdx_fleetlock_count(&counters, TDX_FLEETLOCK_PRE_REBOOT, NULL);
	tdx_fleetlock_count(&counters, TDX_FLEETLOCK_STEADY_STATE, NULL);
	assert_int_equal(tdx_metrics_render(&f, &text), 0);
	expect_golden("tdxd.prom", text);
}

/* A lost module: no version or MRSEAM labels, the families all still there. */
static void test_metrics_lost_module(void **state)
{
	struct tdx_fleet_facts f = {.module_version = "",
				    .seamldr_version = "",
				    .mrseam = "",
				    .remaining_updates = -1,
				    .module_lost = true};
	_cleanup_free_ char *text = NULL;

	assert_int_equal(tdx_metrics_render(&f, &text), 0);
	assert_null(strstr(text, "tdx_module_info{"));
	assert_null(strstr(text, "\ntdx_seamldr_remaining_updates "));
	assert_non_null(strstr(text, "\ntdx_module_lost 1\n"));
	assert_non_null(strstr(text, "# TYPE tdx_fleetlock_requests_total counter\n"));
	assert_null(strstr(text, "tdx_fleetlock_requests_total{"));
	/* No timestamps: every sample line is "<name>[{labels}] <value>". */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		const char *rest = strrchr(line, '}') ?: line;

		if (line[0] == '#')
			continue;
		assert_non_null(strchr(rest, ' '));
		assert_null(strchr(strchr(rest, ' ') + 1, ' '));
	}
}

static void test_metrics_escaping(void **state)
{
	struct tdx_fleet_facts f = sample_facts();
	_cleanup_free_ char *text = NULL;

	f.module_version = "1.5\"\\\n";
	counters = (struct tdx_fleetlock_counters){};
	tdx_fleetlock_count(&counters, TDX_FLEETLOCK_STEADY_STATE, "a\"b");
	assert_int_equal(tdx_metrics_render(&f, &text), 0);
	assert_non_null(strstr(text, "version=\"1.5\\\"\\\\\\n\""));
	assert_non_null(strstr(text, "kind=\"a\\\"b\"} 1\n"));
}

/* A server with unbounded error kinds cannot grow the label set. */
static void test_fleetlock_kinds_bounded(void **state)
{
	char kind[32];

	counters = (struct tdx_fleetlock_counters){};
	for (int i = 0; i < 100; i++) {
		snprintf(kind, sizeof(kind), "kind_%d", i);
		tdx_fleetlock_count(&counters,
				    i % 2 ? TDX_FLEETLOCK_STEADY_STATE : TDX_FLEETLOCK_PRE_REBOOT,
				    kind);
	}
	assert_true(counters.n_errors <= TDX_FLEET_MAX_ERROR_KINDS);
	assert_int_equal(counters.requests[TDX_FLEETLOCK_PRE_REBOOT], 50);
	assert_int_equal(counters.requests[TDX_FLEETLOCK_STEADY_STATE], 50);
	uint64_t total = 0;
	bool other[TDX_FLEETLOCK_API_MAX] = {};

	for (size_t i = 0; i < counters.n_errors; i++) {
		total += counters.errors[i].n;
		if (strcmp(counters.errors[i].kind, "other") == 0)
			other[counters.errors[i].api] = true;
	}
	assert_int_equal(total, 100);
	assert_true(other[0] && other[1]);
}

static void test_result_mapping(void **state)
{
	assert_int_equal(tdx_metrics_result_from_history("success"), TDX_METRICS_RESULT_SUCCESS);
	assert_int_equal(tdx_metrics_result_from_history("io-error"), TDX_METRICS_RESULT_IO_ERROR);
	assert_int_equal(tdx_metrics_result_from_history("preflight-failed"),
			 TDX_METRICS_RESULT_PREFLIGHT_FAILED);
	assert_int_equal(tdx_metrics_result_from_history("no-plan"), TDX_METRICS_RESULT_NO_PLAN);
	assert_int_equal(tdx_metrics_result_from_history("fatal"), TDX_METRICS_RESULT_FATAL);
	assert_int_equal(tdx_metrics_result_from_history("something-new"),
			 TDX_METRICS_RESULT_FAILED);
	assert_int_equal(tdx_metrics_result_from_history("up-to-date"), -ENOENT);
	assert_int_equal(tdx_metrics_result_from_history("dry-run-passed"), -ENOENT);
	for (int i = 0; i < TDX_METRICS_RESULT_MAX; i++)
		assert_true(tdx_label_value_valid(tdx_metrics_result_to_string(i)));
	assert_null(tdx_metrics_result_to_string(TDX_METRICS_RESULT_MAX));
}

static void test_labels_golden(void **state)
{
	struct tdx_fleet_facts f = sample_facts();
	_cleanup_free_ char *text = NULL;
	struct tdx_diag diag = {};

	assert_int_equal(tdx_labels_render(&f, "tdx.tdxctl.org", EXPIRY_USEC, &text, &diag), 0);
	expect_golden("tdxctl.features", text);
	assert_true(strlen(text) < TDX_LABELS_MAX_SIZE);
}

/*
 * Every line of the feature file, checked against the rules nfd-master
 * applies: a qualified key, a value of at most 63 characters matching
 * Kubernetes' regular expression, directives only as comments.
 */
static void test_labels_follow_kubernetes_rules(void **state)
{
	struct tdx_fleet_facts f = sample_facts();
	_cleanup_free_ char *text = NULL;
	struct tdx_diag diag = {};
	bool no_label = false;
	size_t n_labels = 0;

	f.module_lost = true;
	assert_int_equal(tdx_labels_render(&f, "tdx.example.com", EXPIRY_USEC, &text, &diag), 0);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq;

		if (line[0] == '#') {
			no_label |= strcmp(line, "# +no-label") == 0;
			continue;
		}
		eq = strchr(line, '=');
		assert_non_null(eq);
		*eq = '\0';
		assert_true(tdx_label_key_valid(line));
		assert_int_equal(strncmp(line, "tdx.example.com/", 16), 0);
		if (!no_label) {
			assert_true(tdx_label_value_valid(eq + 1));
			n_labels++;
		} else
			assert_string_equal(eq + 1, MRSEAM); /* a feature, not a label */
	}
	assert_int_equal(n_labels, 9);
	assert_true(no_label);
}

static void test_label_rules(void **state)
{
	static const char *const good[] = {"",
					   "1.5.06",
					   "true",
					   "a",
					   "A-b_c.d",
					   "10",
					   "123456789012345678901234567890123456789012345678901"
					   "234567890123"};
	static const char *const bad[] = {"-a",
					  "a-",
					  ".a",
					  "a b",
					  "a/b",
					  "ä",
					  "123456789012345678901234567890123456789012345678901"
					  "2345678901234",
					  MRSEAM};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(tdx_label_value_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(tdx_label_value_valid(bad[i]));
	assert_true(tdx_label_key_valid("tdx.tdxctl.org/module.full"));
	assert_true(tdx_label_key_valid("module-lost"));
	assert_false(tdx_label_key_valid("tdx.tdxctl.org/"));
	assert_false(tdx_label_key_valid("Tdx.Org/x"));
	assert_false(tdx_label_key_valid("tdx..org/x"));
	assert_false(tdx_label_key_valid("-tdx.org/x"));
}

/* A bad namespace is refused, never written as a file NFD would drop. */
static void test_labels_bad_namespace(void **state)
{
	struct tdx_fleet_facts f = sample_facts();
	char *text = (char *)0x1;
	struct tdx_diag diag = {};

	assert_int_equal(tdx_labels_render(&f, "Bad_NS", EXPIRY_USEC, &text, &diag), -EINVAL);
	assert_ptr_equal(text, (char *)0x1);
	assert_non_null(strstr(diag.msg, "Bad_NS/module.full"));
}

/*
 * While a child rewrites the file 300 times, with contents of alternating
 * sizes, every version the watcher reads at the final name is complete.
 */
static void test_replace_never_partial(void **state)
{
	char dir[] = "/tmp/test-fleet-XXXXXX", path[PATH_MAX];
	static char big[40000], small[100];
	char buf[sizeof(big) + 1];
	int in, n_seen = 0;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 2] = '\n';
	memset(small, 's', sizeof(small) - 1);
	small[sizeof(small) - 2] = '\n';
	snprintf(path, sizeof(path), "%s/%s", dir, TDX_LABELS_FILE);
	in = inotify_init1(IN_CLOEXEC);
	assert_true(in >= 0);
	assert_true(inotify_add_watch(in, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE) >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < 300; i++) {
			const char *t = i % 2 ? big : small;

			if (tdx_file_replace_via(dir, TDX_LABELS_FILE, TDX_LABELS_TMP_FILE, t,
						 strlen(t), 0644) < 0)
				_exit(1);
		}
		_exit(0);
	}
	for (;;) {
		char ev[4096];
		int status;
		ssize_t n;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			break;
		}
		/* Bounded: a missed exit cannot hang the test. */
		if (poll(&(struct pollfd){.fd = in, .events = POLLIN}, 1, 100) <= 0)
			continue;
		n = read(in, ev, sizeof(ev));
		assert_true(n > 0);
		FILE *f = fopen(path, "re");
		if (!f)
			continue; /* not created yet */
		size_t got = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_true(got == strlen(small) || got == strlen(big));
		assert_int_equal(buf[got - 1], '\n');
		n_seen++;
	}
	assert_true(n_seen > 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_golden),
		cmocka_unit_test(test_metrics_lost_module),
		cmocka_unit_test(test_metrics_escaping),
		cmocka_unit_test(test_fleetlock_kinds_bounded),
		cmocka_unit_test(test_result_mapping),
		cmocka_unit_test(test_labels_golden),
		cmocka_unit_test(test_labels_follow_kubernetes_rules),
		cmocka_unit_test(test_label_rules),
		cmocka_unit_test(test_labels_bad_namespace),
		cmocka_unit_test(test_replace_never_partial),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
