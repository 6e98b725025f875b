# firmware/store: the crash-safe state store (SQLite, WAL, synchronous=FULL)
# and the hash-chained audit log. SHA-256 from mbedcrypto; proto_res checks
# that stored resource sets are canonical RFC 6492 text.
add_library(fw_store STATIC
	${CMAKE_CURRENT_LIST_DIR}/store.c
	${CMAKE_CURRENT_LIST_DIR}/audit.c)
target_include_directories(fw_store PUBLIC ${FIRMWARE_INCLUDE})
target_link_libraries(fw_store PUBLIC PkgConfig::SQLITE3 mbedcrypto proto_res)
