/* plugin.c - collector test: a dlopen()ed library that allocates 3000 bytes. */
#include <stdlib.h>

void *plugin_alloc(void);

__attribute__((visibility("default"))) void *plugin_alloc(void)
{
    return malloc(3000);
}
