# Install rules: the public headers, libkin (static, or shared with
# -DBUILD_SHARED_LIBS=ON), the kin command, the CMake package (find_package(kin
# CONFIG) gives kin::kin) and kin.pc for pkg-config.
include(CMakePackageConfigHelpers)

set(KIN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kin)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kin DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS kin_lib kin_headers EXPORT kinTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set_target_properties(kin_headers PROPERTIES EXPORT_NAME headers)
if(TARGET kin)
  install(TARGETS kin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT kinTargets NAMESPACE kin:: DESTINATION ${KIN_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kinConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/kinConfig.cmake INSTALL_DESTINATION ${KIN_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kinConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kinConfig.cmake ${PROJECT_BINARY_DIR}/kinConfigVersion.cmake
        DESTINATION ${KIN_CMAKE_DIR})

# pkg-config: what a static link needs besides libkin is listed as private
# (`pkg-config --static --libs kin`).
set(KIN_PC_REQUIRES_PRIVATE "re2")
set(KIN_PC_LIBS_PRIVATE "-lboost_serialization -pthread")
configure_file(${PROJECT_SOURCE_DIR}/cmake/kin.pc.in ${PROJECT_BINARY_DIR}/kin.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kin.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
