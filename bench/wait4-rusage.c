// Runs argv[1..] with its stdout on a pipe that this program drains (as `cmd | cat` would, and as a user's
// terminal or a script's pipe is, so the child pays for a stream on stdout as it does in real use), then
// prints "RUS <wall ms> <cpu user+sys ms> <max rss KiB> <exit status>" to stderr (bench/startup-pairs.mjs).
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int fds[2];
  if (pipe(fds) != 0) return 2;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  pid_t p = fork();
  if (p == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  close(fds[1]);
  char buf[65536];
  while (read(fds[0], buf, sizeof buf) > 0) {
  }
  int st;
  struct rusage ru;
  wait4(p, &st, 0, &ru);
  clock_gettime(CLOCK_MONOTONIC, &b);
  fprintf(stderr, "RUS %.3f %.3f %ld %d\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6,
          (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3, ru.ru_maxrss,
          WIFEXITED(st) ? WEXITSTATUS(st) : 128);
  return 0;
}
