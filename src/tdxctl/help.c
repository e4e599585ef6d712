/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --help: the general help, and `tdxctl VERB --help` with the options that
 * verb takes and its exit codes. One table of option lines and one of exit
 * codes serve both, so a verb's help cannot say something the general help
 * does not.
 */
#include <stdio.h>
#include <string.h>

#include <tdx/store.h>
#include <tdx/update.h>
#include "verbs.h"

/* The help text spells the defaults out. */
_Static_assert(TDX_DEFAULT_RESERVE == 1, "--reserve's help says default 1");

struct help_entry {
	const char *key;
	const char *text; /* whole lines, each ending in \n */
};

static const struct help_entry option_help[] = {
	{"help", "  -h --help               Show this help\n"},
	{"version", "     --version            Show the package version\n"},
	{"direct",
	 "     --direct             Never ask tdxd, run the library in-process. Without\n"
	 "                          it status, list, plan and update run in tdxd; status,\n"
	 "                          list and plan fall back to in-process when tdxd is\n"
	 "                          not reachable, update never does\n"},
	{"sysfs-root",
	 "     --sysfs-root=DIR     sysfs root (default $TDXCTL_SYSFS_ROOT or /sys)\n"},
	{"store",
	 "     --store=DIR          Module store (default $TDXCTL_STORE or " TDX_STORE_DEFAULT_PATH
	 ")\n"},
	{"cpu-signature",
	 "     --cpu-signature=HEX  CPUID.1.EAX to plan for (default: this CPU)\n"},
	{"reserve", "     --reserve=N          Update slots never used (default 1)\n"},
	{"strict-compat", "     --strict-compat      Require strict_compat_versions when listed\n"},
	{"allow-debug", "     --allow-debug        Allow debug-signed modules (their key must be "
			"trusted)\n"},
	{"reinstall", "     --reinstall          Allow installing the running version again\n"},
	{"json", "     --json               JSON on stdout, messages on stderr\n"},
	{"quiet", "  -q --quiet              status: print nothing, tell the state by the exit "
		  "code\n"},
	{"dry-run", "     --dry-run            update: run every check, print the plan, write "
		    "nothing\n"},
	{"yes", "  -y --yes                update: do not ask for confirmation\n"},
	{"timeout",
	 "     --timeout=SECONDS    update: fw_upload completion timeout (default 600)\n"},
	{"wait-lock", "     --wait-lock          update: wait for another update instead of "
		      "failing\n"},
	{"format", "     --format=FMT         blob join/convert: 0x100 or 0x200\n"},
	{"trusted-keys",
	 "     --trusted-keys=LIST  SHA-256 fingerprints of the signing keys to trust\n"
	 "                          (default $TDXCTL_TRUSTED_SIGNING_KEYS or Intel's key)\n"},
	{"who", "     --who=WHO            inhibit: who holds the inhibitor\n"},
	{"why", "     --why=WHY            inhibit: why\n"},
	{"hold", "     --hold=KEY           inhibit: hold the named inhibitor KEY and exit\n"},
	{"ttl", "     --ttl=SECONDS        inhibit --hold: its lifetime (default 600, capped by\n"
		"                          tdxd.conf MaxHoldSec=)\n"},
	{"release", "     --release=KEY        inhibit: release the named inhibitor KEY\n"},
	{"list", "     --list               inhibit: list the named inhibitors held\n"},
};

static const struct help_entry exit_help[] = {
	{"0", "   0 success or already up to date\n"},
	{"1", "   1 failure (refused, bad input, I/O)\n"},
	{"2", "   2 usage error\n"},
	{"3", "   3 no plan reaches the version asked for\n"},
	{"4", "   4 FATAL: module lost, reboot\n"},
	{"5", "   5 timeout: update state unknown\n"},
	{"10", "  10 status --quiet: an update is available\n"},
	{"11", "  11 status --quiet: the module was lost, reboot\n"},
	{"12", "  12 status --quiet: state unknown (module absent or unreadable, store\n"
	       "                        unusable, P-SEAMLDR unknown)\n"},
};

struct verb_help {
	const char *name;
	const char *usage;   /* synopsis lines without "tdxctl [OPTIONS...] " */
	const char *summary; /* one line for the general help */
	const char *what;    /* the verb's help; NULL: the summary */
	const char *options; /* keys of option_help, space-separated */
	const char *exits;   /* keys of exit_help */
};

#define PLANNING_OPTIONS \
	"direct sysfs-root store cpu-signature reserve strict-compat allow-debug trusted-keys"

static const struct verb_help verb_help[] = {
	{"status", "status", "Show the module, P-SEAMLDR, ABI and best update", NULL,
	 "help " PLANNING_OPTIONS " json quiet", "0 1 2 10 11 12"},
	{"list", "list", "List the store's versions and why each is (not) installable", NULL,
	 "help " PLANNING_OPTIONS " reinstall json", "0 1 2"},
	{"plan", "plan [VERSION]", "Show the hops to VERSION (default: newest installable)", NULL,
	 "help " PLANNING_OPTIONS " reinstall json", "0 1 2 3"},
	{"update", "update [VERSION]", "Install VERSION (default: newest installable)", NULL,
	 "help " PLANNING_OPTIONS " reinstall json dry-run yes timeout wait-lock", "0 1 2 3 4 5"},
	{"blob",
	 "blob info FILE\n"
	 "blob join BIN SIGSTRUCT OUT --format=FMT\n"
	 "blob convert IN OUT --format=FMT",
	 "Show, build or re-pack a module image",
	 "info shows an image's header, sigstruct and checks; join builds an image from\n"
	 "a module and its sigstruct; convert re-packs an image as 0x100 or 0x200.",
	 "help json format trusted-keys", "0 1 2"},
	{"mapping", "mapping check [FILE]", "Validate a mapping file (default: the store's)", NULL,
	 "help store json", "0 1 2"},
	{"history", "history", "Show every update attempt tdxd recorded", NULL, "help json",
	 "0 1 2"},
	{"inhibit",
	 "inhibit --who=WHO [--why=WHY] -- COMMAND...\n"
	 "inhibit --hold=KEY --who=WHO [--why=WHY] [--ttl=SECONDS]\n"
	 "inhibit --release=KEY\n"
	 "inhibit --list [--json]",
	 "Hold off updates: while COMMAND runs, or a named key for a while",
	 "Run COMMAND while no update may start; exits with COMMAND's status.\n"
	 "--hold holds a named inhibitor until --release or its lifetime ends, for\n"
	 "holders that exit at once (libvirt hooks, tdxctl-vmm(7)).",
	 "help direct who why hold ttl release list json", "0 1 2"},
	{"reboot-required", "reboot-required",
	 "Exit 0 when this host needs a reboot for TDX, 1 when not",
	 "kured's --reboot-sentinel-command: the TDX module is lost, or tdxd recorded\n"
	 "a FATAL update since boot. Reads no slow attribute and needs no daemon.",
	 "help sysfs-root json", "0 1"},
};

static void print_entry(const struct help_entry *table, size_t n, const char *key, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(table[i].key) == len && strncmp(table[i].key, key, len) == 0) {
			fputs(table[i].text, stdout);
			return;
		}
}

/* Prints the entries named in keys (space-separated), in that order. */
static void print_entries(const struct help_entry *table, size_t n, const char *keys)
{
	for (const char *k = keys; *k;) {
		size_t len = strcspn(k, " ");

		print_entry(table, n, k, len);
		k += len + strspn(k + len, " ");
	}
}

static void print_all(const struct help_entry *table, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputs(table[i].text, stdout);
}

/* The synopsis lines with the summary beside the first, or under the last when it is long. */
static void print_verb_summary(const struct verb_help *v)
{
	const char *line = v->usage;
	bool beside = strcspn(line, "\n") < 24;

	for (bool first = true; *line; first = false) {
		int len = (int)strcspn(line, "\n");

		if (first && beside)
			printf("  %-24.*s%s\n", len, line, v->summary);
		else
			printf("  %.*s\n", len, line);
		line += len + (line[len] == '\n');
	}
	if (!beside)
		printf("  %24s%s\n", "", v->summary);
}

static void help_general(void)
{
	fputs("tdxctl [OPTIONS...] COMMAND ...\n\n"
	      "Inspect and update the Intel TDX module of this host at runtime.\n\n"
	      "Commands:\n",
	      stdout);
	for (size_t i = 0; i < ELEMENTSOF(verb_help); i++)
		print_verb_summary(&verb_help[i]);
	fputs("\nOptions:\n", stdout);
	print_all(option_help, ELEMENTSOF(option_help));
	fputs("\nThrough tdxd, --sysfs-root, --store, --cpu-signature, --reserve, "
	      "--strict-compat,\n"
	      "--timeout, --wait-lock and --trusted-keys are refused: tdxd uses tdxd.conf.\n"
	      "Pass --direct.\n\n"
	      "Exit status:\n",
	      stdout);
	print_all(exit_help, ELEMENTSOF(exit_help));
	fputs("\n`tdxctl COMMAND --help` shows one command's options. See tdxctl(8).\n", stdout);
}

static void help_verb(const struct verb_help *v)
{
	for (const char *line = v->usage; *line;) {
		int len = (int)strcspn(line, "\n");

		printf("tdxctl [OPTIONS...] %.*s\n", len, line);
		line += len + (line[len] == '\n');
	}
	if (v->what)
		printf("\n%s\n\nOptions:\n", v->what);
	else
		printf("\n%s.\n\nOptions:\n", v->summary);
	print_entries(option_help, ELEMENTSOF(option_help), v->options);
	fputs("\nExit status:\n", stdout);
	print_entries(exit_help, ELEMENTSOF(exit_help), v->exits);
	printf("\nSee tdxctl(8).\n");
}

void help(const char *verb)
{
	for (size_t i = 0; verb && i < ELEMENTSOF(verb_help); i++)
		if (strcmp(verb, verb_help[i].name) == 0) {
			help_verb(&verb_help[i]);
			return;
		}
	help_general();
}
