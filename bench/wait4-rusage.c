#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <time.h>
#include <fcntl.h>
// Runs argv[1..] with stdout on /dev/null and prints "RUS <wall ms> <cpu user+sys ms> <max rss KiB> <exit status>"
// to stderr (bench/startup-pairs.mjs).
int main(int argc, char **argv) {
  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  pid_t p = fork();
  if (p == 0) { int fd = open("/dev/null", O_WRONLY); dup2(fd, 1); execvp(argv[1], argv + 1); _exit(127); }
  int st; struct rusage ru; wait4(p, &st, 0, &ru);
  clock_gettime(CLOCK_MONOTONIC, &b);
  fprintf(stderr, "RUS %.3f %.3f %ld %d\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6,
    (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3, ru.ru_maxrss, WIFEXITED(st) ? WEXITSTATUS(st) : 128);
  return 0;
}
