package fs

// SetTestHook sets the hook run at slow I/O points; the returned function
// removes it.
func SetTestHook(h func(point string)) func() {
	testHook.Store(&h)
	return func() { testHook.Store(nil) }
}
