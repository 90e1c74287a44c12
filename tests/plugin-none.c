/*
 * plugin-none.c - a shared object that is not a stopflag plugin: it never
 * used SF_PLUGIN().  stopflagd must refuse it.
 */
int plugin_none_answer(void);

int plugin_none_answer(void)
{
	return 42;
}
