/* hostrun: running a program on the host with ktstr-guest --host. */
#include "hostrun.h"
#include "report.h"
#include "guestimage.h"
#include "proc.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool cgroup2_mount(char *out, size_t n)
{
	FILE *f = setmntent("/proc/mounts", "r");
	struct mntent *m;
	bool found = false;
	while (f && (m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2"))
			continue;
		/* Prefer the unified hierarchy at /sys/fs/cgroup itself. */
		if (!found || !strcmp(m->mnt_dir, "/sys/fs/cgroup"))
			snprintf(out, n, "%s", m->mnt_dir);
		found = true;
	}
	if (f)
		endmntent(f);
	return found;
}

static bool refuse(struct run_output *out, const char *fmt, const char *a)
{
	snprintf(out->reason, sizeof(out->reason), fmt, a);
	out->bad_input = false;
	return false;
}

/* Root, a cgroup2 mount we can write, and the controllers a run needs. */
static bool host_ready(char *mount, size_t n, struct run_output *out)
{
	if (geteuid())
		return refuse(out, "run --host needs root (to create cgroups and move tasks)%s", "");
	if (!cgroup2_mount(mount, n))
		return refuse(out, "run --host needs a cgroup2 mount; none in /proc/mounts%s", "");
	char path[PATH_MAX], ctl[256] = "";
	pathf(path, sizeof(path), "%s/cgroup.controllers", mount);
	FILE *f = fopen(path, "re");
	if (f) {
		if (!fgets(ctl, sizeof(ctl), f))
			ctl[0] = 0;
		fclose(f);
	}
	static const char *const need[] = {"cpu", "cpuset"};
	char missing[64] = "";
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		char word[16];
		snprintf(word, sizeof(word), " %s ", need[i]);
		char padded[300];
		snprintf(padded, sizeof(padded), " %s ", ctl);
		padded[strcspn(padded, "\n")] = ' ';
		if (!strstr(padded, word))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
				 *missing ? ", " : "", need[i]);
	}
	if (*missing) {
		char msg[400];
		snprintf(msg, sizeof(msg), "the cgroup2 hierarchy at %.150s lacks the %s controller(s) (they are bound to cgroup v1 here); run in the VM instead, or boot the host with systemd.unified_cgroup_hierarchy=1",
			 mount, missing);
		return refuse(out, "run --host refused: %s", msg);
	}
	pathf(path, sizeof(path), "%s/ktstr-probe-%d", mount, getpid());
	if (mkdir(path, 0755))
		return refuse(out, "run --host refused: cannot create cgroups under it (%s)", strerror(errno));
	rmdir(path);
	return true;
}

struct hostcollect {
	cJSON *records;
	bool got_exit;
	int status;
};

static void host_record(struct hostcollect *c, const struct rec *r)
{
	if (r->type == REC_EXIT && r->len == 4) {
		memcpy(&c->status, r->payload, 4);
		c->got_exit = true;
	} else if (r->type == REC_JSON) {
		cJSON *j = cJSON_ParseWithLength((const char *)r->payload, r->len);
		if (j)
			cJSON_AddItemToArray(c->records, j);
	}
}

int run_on_host(const struct kb_program *p, const struct run_opts *o, const char *root_name,
		struct run_output *out)
{
	(void)o;
	memset(out, 0, sizeof(*out));
	out->records = cJSON_CreateArray();
	out->monitor_off = "--host runs no host monitor (it reads a VM's guest memory)";
	out->vm.accel_used = "host";
	snprintf(out->kernel, sizeof(out->kernel), "host");
	char mount[PATH_MAX], guest[PATH_MAX];
	if (!host_ready(mount, sizeof(mount), out))
		return -1;
	if (!guest_binary(guest, sizeof(guest))) {
		snprintf(out->reason, sizeof(out->reason), "ktstr-guest not found beside ktstr");
		return -1;
	}
	char dir[128];
	if (!make_temp_dir("host", dir, sizeof(dir))) {
		snprintf(out->reason, sizeof(out->reason), "mkdtemp: %s", strerror(errno));
		return -1;
	}
	cleanup_add_dir(dir);
	char prog[160], root[64], cgdir[PATH_MAX];
	snprintf(prog, sizeof(prog), "%s/program.ktbc", dir);
	snprintf(root, sizeof(root), "%s", root_name);
	pathf(cgdir, sizeof(cgdir), "%s/%s", mount, root);
	cleanup_add_cgroup(cgdir);
	size_t len;
	uint8_t *bc = kb_encode(p, &len);
	FILE *f = fopen(prog, "wb");
	bool wrote = f && fwrite(bc, 1, len, f) == len;
	if (f)
		fclose(f);
	free(bc);
	int pfd[2];
	if (!wrote || pipe2(pfd, O_CLOEXEC)) {
		snprintf(out->reason, sizeof(out->reason), "cannot prepare the program: %s", strerror(errno));
		return -1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		execl(guest, guest, "--host", prog, mount, root, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	cleanup_add_pid(pid);
	struct hostcollect c = {.records = out->records};
	struct rec_reader rr = {0};
	char buf[65536];
	ssize_t n;
	while ((n = read(pfd[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n <= 0)
			continue;
		rec_reader_feed(&rr, buf, (size_t)n);
		struct rec r;
		while (rec_reader_next(&rr, &r))
			host_record(&c, &r);
	}
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	cleanup_remove_pid(pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rec_reader_free(&rr);
	cgroup_tree_destroy(cgdir);
	cleanup_remove_cgroup(cgdir);
	rm_rf(dir);
	cleanup_remove_dir(dir);
	out->vm.wall_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	out->vm.outcome = c.got_exit ? VM_EXITED : VM_CRASHED;
	out->vm.guest_status = c.status;
	out->guest_status = c.status;
	out->ok = c.got_exit && c.status == 0;
	if (c.got_exit && c.status == GS_TOPOLOGY_MISMATCH) {
		out->skip = true;	/* the host's CPUs do not match the topology */
		snprintf(out->reason, sizeof(out->reason), "this host's CPUs do not match the scenario's topology");
		return 0;
	}
	if (!out->ok)
		snprintf(out->reason, sizeof(out->reason), c.got_exit ? "the executor exited with status %d"
			 : "the executor died without reporting (wait status %d)", c.got_exit ? c.status : st);
	return 0;
}
