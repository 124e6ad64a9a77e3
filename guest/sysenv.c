/* sysenv: the guest as ordinary programs expect to find a Linux system —
 * tmpfs on /dev/shm, /run and /var/tmp (POSIX shm, lock and pid files),
 * the /dev/fd and /dev/std* links, /etc/passwd and /etc/group with root
 * and nobody (tools look users up), /etc/hosts, and the scratch disk the
 * host attached (ktstr.disk=ext4: mounted at /scratch, where the io_*
 * work types put their files; ktstr.disk=raw: /dev/vda for fio).
 * /dev/cpu_dma_latency and the other misc nodes come from devtmpfs; lo
 * is brought up for programs that talk over 127.0.0.1. */
#include "guest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRATCH_DEV "/dev/vda"
#define SCRATCH_DIR "/scratch"

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		fprintf(stderr, "ktstr-guest: write %s: %s\n", path, strerror(errno));
	close(fd);
}

static void tmpfs_at(const char *dir, const char *opts)
{
	mkdir(dir, 0755);
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) && errno != EBUSY)
		fprintf(stderr, "ktstr-guest: tmpfs on %s: %s\n", dir, strerror(errno));
}

static void dev_links(void)
{
	static const char *const links[][2] = {
		{"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) && errno != EEXIST)
			fprintf(stderr, "ktstr-guest: link %s: %s\n", links[i][1], strerror(errno));
}

/* Bring the loopback interface up, as any init does: the kernel leaves
 * it down, and work types (net_loopback) and payloads talk over
 * 127.0.0.1.  A kernel without networking just logs it. */
static void loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) ||
	    (!(ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr))))
		fprintf(stderr, "ktstr-guest: cannot bring up lo: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

void sysenv_setup(void)
{
	loopback_up();
	tmpfs_at("/dev/shm", "mode=1777");
	tmpfs_at("/run", "mode=0755");
	mkdir("/var", 0755);
	tmpfs_at("/var/tmp", "mode=1777");
	dev_links();
	mkdir("/etc", 0755);
	mkdir("/root", 0700);
	write_file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
	write_file("/etc/group", "root:x:0:\nnogroup:x:65534:\n");
	write_file("/etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
	write_file("/etc/hostname", "ktstr\n");
	if (sethostname("ktstr", 5))
		fprintf(stderr, "ktstr-guest: sethostname: %s\n", strerror(errno));
}

const char *sysenv_disk(const char *format)
{
	static char why[256];
	if (!format)
		return NULL;
	/* virtio-blk may probe after init starts */
	for (int i = 0; i < 200 && access(SCRATCH_DEV, F_OK); i++)
		usleep(10000);
	if (access(SCRATCH_DEV, F_OK)) {
		snprintf(why, sizeof(why), "the scratch disk %s did not appear", SCRATCH_DEV);
		return why;
	}
	setenv("KTSTR_SCRATCH_DEV", SCRATCH_DEV, 1);
	if (strcmp(format, "ext4"))
		return NULL;
	mkdir(SCRATCH_DIR, 01777);
	if (mount(SCRATCH_DEV, SCRATCH_DIR, "ext4", 0, NULL)) {
		snprintf(why, sizeof(why), "mount %s (ext4) on %s: %s", SCRATCH_DEV, SCRATCH_DIR, strerror(errno));
		return why;
	}
	chmod(SCRATCH_DIR, 01777);
	setenv("KTSTR_IO_DIR", SCRATCH_DIR, 1);
	return NULL;
}
