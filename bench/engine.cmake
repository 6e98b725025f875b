# bench_engine: issuer engine list/issue rates and load time at 100 / 1,000 /
# 10,000 children, software and SoftHSM signers (the token made by the test
# fixture's code, compiled in), next to the raw sign rate (UD-164).
if(TARGET fw_engine)
	add_executable(bench_engine ${CMAKE_CURRENT_LIST_DIR}/bench_engine.c
		${CMAKE_SOURCE_DIR}/tests/crypto/softhsm_fixture.c)
	target_include_directories(bench_engine PRIVATE ${CMAKE_SOURCE_DIR}/tests/crypto)
	target_link_libraries(bench_engine PRIVATE fw_engine)
endif()
