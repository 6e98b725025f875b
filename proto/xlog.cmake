# The exchange log file codec (UD-160): record headers out, records in.
# libc only.
add_library(proto_xlog STATIC
	${CMAKE_CURRENT_LIST_DIR}/xlog.c)
target_include_directories(proto_xlog PUBLIC ${PROTO_INCLUDE})
