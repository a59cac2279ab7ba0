// libFuzzer's entry for programs that have their own main (compiler-rt FuzzerInterface.h).
// The fuzz targets are Swift executables, so Swift owns main and hands control to libFuzzer here;
// the symbol comes from the libFuzzer runtime that -sanitize=fuzzer links.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
