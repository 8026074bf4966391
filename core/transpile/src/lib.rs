//! Transpiles guard components for JS hosts (the edge Worker and the web page).
