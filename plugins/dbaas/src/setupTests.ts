import '@testing-library/jest-dom';

// CI runs the browser-side tests beside the backend's real servers on two cores: a form test
// that types and picks (userEvent) takes seconds there, not the default 5 s budget
jest.setTimeout(30_000);
