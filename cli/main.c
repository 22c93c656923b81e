/* hpclaunch: the command-line front end.  Dispatches to cmd_<name>(). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("hpclaunch %s\n", hpcl_version());
        return EXIT_OK;
    }
    fprintf(stderr, "usage: hpclaunch COMMAND [OPTIONS]\n");
    return EXIT_USAGE;
}
