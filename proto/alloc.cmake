# The allocation table (docs/allocation-table.md): text codec, validation
# (UD-100), diff and safety-brake share (UD-104), RIR statistics import.
# Resource sets from proto_res, handle rules (oob_handle_ok) from proto_oob,
# notafter text (ud_time_parse/format) from proto_updown.
add_library(proto_alloc STATIC
	${CMAKE_CURRENT_LIST_DIR}/alloc.c
	${CMAKE_CURRENT_LIST_DIR}/alloc_parse.c
	${CMAKE_CURRENT_LIST_DIR}/alloc_print.c
	${CMAKE_CURRENT_LIST_DIR}/alloc_check.c
	${CMAKE_CURRENT_LIST_DIR}/alloc_diff.c
	${CMAKE_CURRENT_LIST_DIR}/alloc_rir.c)
target_include_directories(proto_alloc PUBLIC ${PROTO_INCLUDE})
target_link_libraries(proto_alloc PUBLIC proto_res proto_oob proto_updown)
