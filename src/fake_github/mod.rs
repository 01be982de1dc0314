//! A stateful fake of the GitHub REST API for tests and manual trials.
