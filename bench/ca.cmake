if(TARGET crypto_cert AND TARGET crypto_signer)
	add_executable(bench_ca ${CMAKE_CURRENT_SOURCE_DIR}/bench_ca.c)
	target_link_libraries(bench_ca PRIVATE crypto_cert crypto_signer proto_res mbedcrypto)
endif()
