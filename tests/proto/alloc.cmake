# proto/alloc: the allocation table (docs/allocation-table.md): text format,
# validation (UD-100, UD-56), UD-57 entitlement, diff and brake share
# (UD-104), RIR statistics import. Sample files in tests/proto/alloc/.
foreach(t parse check rir ta)
	updown_test(test_alloc_${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_alloc_${t}.c
		LIBS proto_alloc)
	target_compile_definitions(test_alloc_${t} PRIVATE
		ALLOC_SAMPLES="${CMAKE_CURRENT_LIST_DIR}/alloc")
endforeach()
