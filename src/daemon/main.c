/*
 * main.c - stopflagd's command line, and the order things happen in:
 * options, config (refused whole, nothing started), --check, detaching,
 * the pidfile, the group, cleanup.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <stopflag.h>

#include "conf.h"
#include "daemonize.h"
#include "log.h"
#include "pidfile.h"
#include "run.h"
#include "statuscmd.h"
#include "statusfile.h"
#include "stopsignals.h"

#ifdef HAVE_LIBSYSTEMD
#define SFD_JOURNAL "yes"
#else
#define SFD_JOURNAL "no"
#endif

struct options {
	const char *config;   /* NULL: the embedded default */
	char *pidfile;        /* absolute, or NULL */
	char *status_file;    /* absolute, or NULL */
	bool check;
	bool syslog;
	bool daemonize;
	bool status, json, ready; /* --status and its options */
};

static const char usage_line[] =
	"usage: stopflagd [-c FILE] [--check] [--syslog] [--pidfile FILE] "
	"[--status-file FILE] [--daemonize] [--version] [--help]\n"
	"       stopflagd --status [--json] [--ready] [--pidfile FILE | "
	"--status-file FILE]\n";

static const char help_text[] =
	"Run the tasks of a config file as child processes, and stop them all\n"
	"together: on SIGINT, SIGTERM, SIGQUIT or SIGHUP, when a task asks,\n"
	"when a task dies, or when stopflagd itself is killed.\n"
	"\n"
	"  -c, --config FILE  the tasks to run (stopflagd.conf(5)); without it,\n"
	"                     a heartbeat every 5s and a watcher that stops\n"
	"                     everything when ./stop appears\n"
	"      --check        check the config and exit; start nothing\n"
	"      --syslog       log to syslog instead of stderr\n"
	"      --pidfile FILE write the daemon's pid to FILE; refuse to start\n"
	"                     while a live stopflagd holds it\n"
	"      --status-file FILE  where to write the tasks' states (default:\n"
	"                     beside --pidfile, or $RUNTIME_DIRECTORY/"
	"stopflagd.status)\n"
	"      --daemonize    detach: fork, setsid, chdir /, stdio on /dev/null\n"
	"                     (logs then go to syslog)\n"
	"      --status       print the running daemon's tasks: pid, state,\n"
	"                     restarts, uptime (give its --pidfile or\n"
	"                     --status-file); exit 3 if none runs\n"
	"      --json         with --status: one JSON object\n"
	"      --ready        with --status: exit 0 only if every task is ready,\n"
	"                     1 if not (a readiness probe)\n"
	"  -V, --version      print the version and exit\n"
	"  -h, --help         print this help and exit\n"
	"\n"
	"Exit status: 0 after a stop by signal; a task's code or status when it\n"
	"caused the stop; 128+N when signal N killed it; 126/127 when a command\n"
	"cannot run or is missing; 64 usage, 66 unreadable config, 78 bad config.\n"
	"See stopflagd(8).\n";

static int usage_error(const char *what, const char *arg)
{
	sfd_error("%s '%s'", what, arg);
	fputs(usage_line, stderr);
	return EX_USAGE;
}

/* An absolute form of path, so that --daemonize's chdir("/") keeps its
 * meaning. */
static char *absolute(const char *path)
{
	char cwd[4096], *abs;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, path) < 0)
		return NULL;
	return abs;
}

enum { OPT_CHECK = 256, OPT_SYSLOG, OPT_PIDFILE, OPT_DAEMONIZE,
       OPT_STATUS, OPT_STATUS_FILE, OPT_JSON, OPT_READY };

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "daemonize", no_argument, NULL, OPT_DAEMONIZE },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "status-file", required_argument, NULL, OPT_STATUS_FILE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "ready", no_argument, NULL, OPT_READY },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* --status goes with some options and not others.  Returns -1 or 64. */
static int status_options(const struct options *o)
{
	if (!o->status && (o->json || o->ready))
		return usage_error("needs --status:", o->json ? "--json" :
				   "--ready");
	if (o->status && (o->check || o->daemonize))
		return usage_error("does not go with --status:",
				   o->check ? "--check" : "--daemonize");
	return -1;
}

/* Returns -1 to go on, or the status to exit with at once. */
static int parse_options(int argc, char **argv, struct options *o)
{
	const char *pidfile = NULL, *status_file = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case OPT_CHECK: o->check = true; break;
		case OPT_SYSLOG: o->syslog = true; break;
		case OPT_PIDFILE: pidfile = optarg; break;
		case OPT_DAEMONIZE: o->daemonize = true; break;
		case OPT_STATUS: o->status = true; break;
		case OPT_STATUS_FILE: status_file = optarg; break;
		case OPT_JSON: o->json = true; break;
		case OPT_READY: o->ready = true; break;
		case 'h': fputs(usage_line, stdout); fputs(help_text, stdout); return 0;
		case 'V':
			printf("stopflagd (%s) %s\nplugin ABI: %d\nsystemd "
			       "notification: yes\njournal output: %s\n",
			       PACKAGE_NAME, PACKAGE_VERSION, SF_ABI_VERSION,
			       SFD_JOURNAL);
			return 0;
		case ':':
			return usage_error("no argument given to",
					   argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, '\0' };

				return usage_error("unknown option", opt);
			}
			return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	c = status_options(o);
	if (c >= 0)
		return c;
	if (pidfile && (*pidfile == '\0' || !(o->pidfile = absolute(pidfile))))
		return usage_error("bad --pidfile", pidfile);
	if (status_file && (*status_file == '\0' ||
			    !(o->status_file = absolute(status_file))))
		return usage_error("bad --status-file", status_file);
	return -1;
}

/* Take the pidfile; returns 0 or the status to exit with. */
static int take_pidfile(const char *path, struct sfd_pidfile *pf)
{
	pid_t holder;
	int err = sfd_pidfile_acquire(path, pf, &holder);

	if (err == 0)
		return 0;
	if (err == -EBUSY && holder > 0)
		sfd_error("%s: stopflagd is already running as pid %d; not "
			  "starting another", path, (int)holder);
	else if (err == -EBUSY)
		sfd_error("%s: another stopflagd holds it; not starting another",
			  path);
	else if (err == -ELOOP)
		sfd_error("%s: is a symbolic link; refusing to follow it", path);
	else if (err == -EINVAL)
		sfd_error("%s: not a regular file; refusing to use it", path);
	else if (err == -EPERM)
		sfd_error("%s: belongs to another user; refusing to use it", path);
	else
		sfd_error("%s: cannot create the pidfile: %s", path, strerror(-err));
	return err == -EBUSY ? EX_TEMPFAIL : EX_CANTCREAT;
}

/* Take the status file, if there is one; returns 0 or the status to
 * exit with. */
static int take_status_file(const struct options *o,
			    struct sfd_status_writer *w)
{
	pid_t holder;
	int err;
	char *path = sfd_status_path(o->status_file, o->pidfile, &err);

	if (!path) {
		*w = (struct sfd_status_writer){ 0 };
		if (err == 0)
			return 0;
		sfd_error("cannot name the status file: %s", strerror(-err));
		return EX_OSERR;
	}
	err = sfd_status_claim(w, path, &holder);
	if (err == 0)
		return 0;
	if (err == -EBUSY)
		sfd_error("%s: the status file of stopflagd pid %d, which is "
			  "running; not starting another", path, (int)holder);
	else
		sfd_error("%s: cannot take the status file: %s", path,
			  strerror(-err));
	return err == -EBUSY ? EX_TEMPFAIL : EX_OSERR;
}

/* Everything after the config was accepted. */
static int serve(const struct options *o, struct sfd_config *cfg)
{
	struct sfd_pidfile pf = { .fd = -1 };
	struct sfd_status_writer sw = { 0 };
	int err, status = 0;

	if (o->daemonize && (err = sfd_daemonize()) < 0) {
		sfd_error("cannot detach: %s", strerror(-err));
		return EX_OSERR;
	}
	if (o->pidfile)
		status = take_pidfile(o->pidfile, &pf);
	if (status == 0 && o->daemonize && (err = sfd_daemon_detach_stdio()) < 0) {
		sfd_error("cannot reopen stdio on /dev/null: %s", strerror(-err));
		status = EX_OSERR;
	}
	if (status == 0)
		status = take_status_file(o, &sw);
	if (status == 0)
		status = sfd_run(cfg, &sw);
	sfd_ignore_stop_signals();
	sfd_status_release(&sw);
	sfd_pidfile_release(&pf);
	sfd_daemon_report_exit(status);
	return status;
}

/* --status: the config is not read; only where the file is matters. */
static int status_command(const struct options *o)
{
	int err;
	char *path = sfd_status_path(o->status_file, o->pidfile, &err);
	int status = err < 0 ? EX_OSERR : sfd_status_command(path, o->json,
							      o->ready);

	if (err < 0)
		sfd_error("cannot name the status file: %s", strerror(-err));
	free(path);
	return status;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct sfd_config cfg;
	int status;

	/* First of all: a stop signal from now until the group runs waits
	 * for it, and stops it before anything starts (stopsignals.h). */
	sfd_block_stop_signals();
	status = parse_options(argc, argv, &o);
	if (status < 0 && o.status)
		status = status_command(&o);
	if (status >= 0) {
		free(o.pidfile);
		free(o.status_file);
		return status;
	}
	/* A log reader that goes away must not take the daemon with it; tasks
	 * start with every disposition at its default again. */
	signal(SIGPIPE, SIG_IGN);
	if (o.daemonize)
		sfd_daemon_close_fds();
	if (o.syslog || o.daemonize)
		sfd_log_use_syslog();
	status = sfd_config_load(o.config, &cfg);
	if (status == 0 && o.check)
		printf("%s: OK, %zu task%s\n", cfg.file, cfg.n_tasks,
		       cfg.n_tasks == 1 ? "" : "s");
	else if (status == 0)
		status = serve(&o, &cfg);
	sfd_config_free(&cfg);  /* zeroed if it was refused */
	free(o.pidfile);
	free(o.status_file);
	return status;
}
