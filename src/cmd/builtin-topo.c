/* builtin-topo: `ktstr topo` prints the host CPU topology as sysfs shows
 * it — per CPU its package, die, core, LLC and NUMA node — and the
 * equivalent ktstr topology string when the machine is uniform. */
#include "builtin.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int read_int(const char *fmt, int cpu, int *out)
{
	char path[256], buf[64];
	snprintf(path, sizeof(path), fmt, cpu);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, sizeof(buf), f) && sscanf(buf, "%d", out) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static int cpu_node(int cpu)
{
	for (int n = 0; n < 1024; n++) {
		char path[128];
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/node%d", cpu, n);
		if (access(path, F_OK) == 0)
			return n;
	}
	return 0;
}

static int count_distinct(const int *v, int n)
{
	int c = 0;
	for (int i = 0; i < n; i++) {
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = v[j] == v[i];
		c += !seen;
	}
	return c;
}

int cmd_topo(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error("topo", "takes no arguments");
	enum { MAXC = 4096 };
	static int pkg[MAXC], die[MAXC], core[MAXC], llc[MAXC], node[MAXC], cpus[MAXC];
	int n = 0;
	for (int cpu = 0; cpu < MAXC && n < MAXC; cpu++) {
		char path[128];
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
		if (access(path, R_OK))
			continue;
		cpus[n] = cpu;
		read_int("/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu, &pkg[n]);
		if (read_int("/sys/devices/system/cpu/cpu%d/topology/die_id", cpu, &die[n]))
			die[n] = 0;
		read_int("/sys/devices/system/cpu/cpu%d/topology/core_id", cpu, &core[n]);
		if (read_int("/sys/devices/system/cpu/cpu%d/cache/index3/id", cpu, &llc[n]))
			llc[n] = pkg[n];
		node[n] = cpu_node(cpu);
		n++;
	}
	printf("%-5s %-8s %-5s %-6s %-5s %s\n", "cpu", "package", "die", "core", "llc", "node");
	for (int i = 0; i < n; i++)
		printf("%-5d %-8d %-5d %-6d %-5d %d\n", cpus[i], pkg[i], die[i], core[i], llc[i], node[i]);
	int nodes = count_distinct(node, n), llcs = count_distinct(llc, n);
	/* Cores per LLC and threads per core, assuming a uniform machine. */
	int keys[MAXC];
	for (int i = 0; i < n; i++)
		keys[i] = pkg[i] * 100000 + die[i] * 10000 + core[i];
	int ncores = count_distinct(keys, n);
	if (nodes && llcs && ncores && llcs % nodes == 0 && ncores % llcs == 0 && n % ncores == 0)
		printf("topology: %dn%dl%dc%dt (%d CPUs)\n", nodes, llcs, ncores / llcs, n / ncores, n);
	else
		printf("topology: not uniform (%d CPUs, %d LLCs, %d nodes)\n", n, llcs, nodes);
	return KT_EXIT_PASS;
}
