//! The guardhouse Worker.
