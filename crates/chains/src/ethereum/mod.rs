//! ethereum (in progress)
