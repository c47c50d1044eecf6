# Install rules and the CMake package config, so an installed mica works with find_package(mica).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MICA_INSTALLED_TARGETS mica mica_tensor mica_autograd mica_nn mica_data mica_warnings)
foreach(layer mica_optim mica_models)
  if(TARGET ${layer})
    list(APPEND MICA_INSTALLED_TARGETS ${layer})
  endif()
endforeach()
install(TARGETS ${MICA_INSTALLED_TARGETS} EXPORT micaTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(layer tensor autograd nn optim data models)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mica/${layer}
    FILES_MATCHING PATTERN "*.h")
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/mica.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mica)
install(EXPORT micaTargets NAMESPACE mica:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mica)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/micaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/micaConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mica)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/micaConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/micaConfig.cmake ${PROJECT_BINARY_DIR}/micaConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mica)
