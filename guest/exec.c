/* exec: running a shell command or an interactive shell inside the guest
 * for `ktstr shell`. */
#include "guest.h"
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

/* Read what is available on fd and relay it; false at EOF. */
static bool relay(int fd, unsigned type)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n > 0)
		send_record(type, buf, (size_t)n);
	return n > 0 || (n < 0 && errno == EINTR);
}

int run_exec(const char *script)
{
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return 126;
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		setsid();
		execl("/bin/sh", "sh", script, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	struct pollfd p[2] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN}};
	int open_fds = 2, st = 0;
	bool exited = false;
	while (open_fds > 0) {
		/* After the command exits, give lingering writers 200ms. */
		int r = poll(p, 2, exited ? 200 : 100);
		if (r == 0 && exited)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP))) {
				if (!relay(p[i].fd, i ? REC_STDERR : REC_STDOUT)) {
					close(p[i].fd);
					p[i].fd = -1;
					open_fds--;
				}
			}
		}
		if (!exited && waitpid(pid, &st, WNOHANG) == pid)
			exited = true;
	}
	if (!exited)
		waitpid(pid, &st, 0);
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	return status_of(st);
}

int run_shell(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int tty = open("/dev/ttyS0", O_RDWR);
		if (tty < 0)
			tty = open("/dev/console", O_RDWR);
		ioctl(tty, TIOCSCTTY, 1);
		dup2(tty, 0), dup2(tty, 1), dup2(tty, 2);
		execl("/bin/sh", "sh", "-i", (char *)NULL);
		_exit(127);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return status_of(st);
}
