/*
 * notify-listen.c - a stand-in for systemd's notification socket, for
 * daemon-notify.sh: binds a datagram socket at argv[1], then prints every
 * message it receives, followed by a line "--", until it is killed.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: notify-listen SOCKET-PATH\n");
		return 64;
	}
	memcpy(addr.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("notify-listen");
		return 71;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("listening\n");
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[n] = '\0';
		printf("%s\n--\n", buf);
	}
	perror("notify-listen: recv");
	return 71;
}
