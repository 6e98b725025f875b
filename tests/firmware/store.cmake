# firmware/store: state store, audit chain, crash harness, scale.
updown_test(test_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store.c LIBS fw_store)
updown_test(test_audit SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_audit.c LIBS fw_store)
updown_test(test_store_scale SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_scale.c LIBS fw_store)
updown_test(test_store_crash SOURCES ${CMAKE_CURRENT_LIST_DIR}/crash/crash_store.c LIBS fw_store
	TIMEOUT 120)
