/* main.c - the nnclass executable: everything is in the cli library. */
#include "cli.h"

int main(int argc, char **argv)
{
    return nnclass_main(argc, argv);
}
